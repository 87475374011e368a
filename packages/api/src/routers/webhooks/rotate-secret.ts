import { SCOPES, WebhookIdInputSchema, WebhookWithSecretSchema } from '@campaigns/contract';
import { rotateWebhookSecret } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { restRoute, WEBHOOK_PATH } from '../campaigns/meta';

export const rotateSecret = scopedProcedure(SCOPES.webhooksWrite)
  .meta(
    restRoute({
      method: 'POST',
      path: `${WEBHOOK_PATH}/rotate-secret`,
      operationId: 'rotateWebhookSecret',
      resource: 'webhooks',
      summary: 'Rotate a webhook’s secret',
      description:
        'A new secret, shown only in this answer; the old one also signs for 24 hours, so receivers can switch without missing a delivery.',
    }),
  )
  .input(WebhookIdInputSchema)
  .output(WebhookWithSecretSchema)
  .mutation(replayOr(rotateWebhookSecret));
