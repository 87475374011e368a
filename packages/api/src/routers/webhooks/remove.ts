import { SCOPES, WebhookIdInputSchema, WebhookSchema } from '@campaigns/contract';
import { removeWebhook } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { restRoute, WEBHOOK_PATH } from '../campaigns/meta';

export const remove = scopedProcedure(SCOPES.webhooksWrite)
  .meta(
    restRoute({
      method: 'DELETE',
      path: WEBHOOK_PATH,
      operationId: 'removeWebhook',
      resource: 'webhooks',
      summary: 'Remove a webhook',
      description: 'Removes the endpoint; deliveries still pending to it stop.',
    }),
  )
  .input(WebhookIdInputSchema)
  .output(WebhookSchema)
  .mutation(replayOr(removeWebhook));
