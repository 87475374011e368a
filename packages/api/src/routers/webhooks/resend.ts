import { ResendInputSchema, SCOPES, SentTestSchema } from '@campaigns/contract';
import { resendWebhook } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { restRoute, WEBHOOK_PATH } from '../campaigns/meta';

export const resend = scopedProcedure(SCOPES.webhooksWrite)
  .meta(
    restRoute({
      method: 'POST',
      path: `${WEBHOOK_PATH}/attempts/{attempt_id}/resend`,
      operationId: 'resendWebhookAttempt',
      resource: 'webhooks',
      summary: 'Resend an event',
      description: 'Delivers the event of that attempt again, with the same `webhook-id`.',
      successStatus: 202,
      successDescription: 'Accepted',
    }),
  )
  .input(ResendInputSchema)
  .output(SentTestSchema)
  .mutation(replayOr(resendWebhook));
