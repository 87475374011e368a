import { SCOPES, UpdateWebhookInputSchema, WebhookSchema } from '@campaigns/contract';
import { updateWebhook } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { restRoute, WEBHOOK_PATH } from '../campaigns/meta';

export const update = scopedProcedure(SCOPES.webhooksWrite)
  .meta(
    restRoute({
      method: 'PATCH',
      path: WEBHOOK_PATH,
      operationId: 'updateWebhook',
      resource: 'webhooks',
      summary: 'Update a webhook',
      description:
        'Changes its URL, events, description or status; enabling it again clears `disabled_reason`.',
    }),
  )
  .input(UpdateWebhookInputSchema)
  .output(WebhookSchema)
  .mutation(replayOr(updateWebhook));
