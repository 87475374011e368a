import { SCOPES, SentTestSchema, WebhookIdInputSchema } from '@campaigns/contract';
import { sendTestWebhook } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { restRoute, WEBHOOK_PATH } from '../campaigns/meta';

export const sendTest = scopedProcedure(SCOPES.webhooksWrite)
  .meta(
    restRoute({
      method: 'POST',
      path: `${WEBHOOK_PATH}/test`,
      operationId: 'sendWebhookTest',
      resource: 'webhooks',
      summary: 'Send a test event',
      description:
        'Delivers a `webhook.test` event to this endpoint only (it is not in the feed, the trail or the stream).',
      successStatus: 202,
      successDescription: 'Accepted',
    }),
  )
  .input(WebhookIdInputSchema)
  .output(SentTestSchema)
  .mutation(replayOr(sendTestWebhook));
