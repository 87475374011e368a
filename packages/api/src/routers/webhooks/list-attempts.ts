import { ListAttemptsInputSchema, SCOPES, WebhookAttemptPageSchema } from '@campaigns/contract';
import { listWebhookAttempts } from '@campaigns/core';
import { scopedProcedure } from '../../trpc';
import { restRoute, WEBHOOK_PATH } from '../campaigns/meta';

export const listAttempts = scopedProcedure(SCOPES.webhooksRead)
  .meta(
    restRoute({
      method: 'GET',
      path: `${WEBHOOK_PATH}/attempts`,
      operationId: 'listWebhookAttempts',
      resource: 'webhooks',
      summary: 'List delivery attempts',
      description:
        'Every attempt to deliver to this endpoint, newest first: event, attempt number, HTTP status or error, duration, time and next retry.',
    }),
  )
  .input(ListAttemptsInputSchema)
  .output(WebhookAttemptPageSchema)
  .query(({ ctx, input }) => listWebhookAttempts(ctx, ctx.actor, input));
