import { SCOPES, WebhookIdInputSchema, WebhookSchema } from '@campaigns/contract';
import { getWebhook } from '@campaigns/core';
import { scopedProcedure } from '../../trpc';
import { restRoute, WEBHOOK_PATH } from '../campaigns/meta';

export const get = scopedProcedure(SCOPES.webhooksRead)
  .meta(
    restRoute({
      method: 'GET',
      path: WEBHOOK_PATH,
      operationId: 'getWebhook',
      resource: 'webhooks',
      summary: 'Get a webhook',
      description: 'One webhook endpoint of the token’s brand.',
    }),
  )
  .input(WebhookIdInputSchema)
  .output(WebhookSchema)
  .query(({ ctx, input }) => getWebhook(ctx, ctx.actor, input));
