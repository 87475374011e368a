import { SCOPES, WebhookListSchema } from '@campaigns/contract';
import { listWebhooks } from '@campaigns/core';
import { z } from 'zod';
import { scopedProcedure } from '../../trpc';
import { restRoute, WEBHOOKS_PATH } from '../campaigns/meta';

export const list = scopedProcedure(SCOPES.webhooksRead)
  .meta(
    restRoute({
      method: 'GET',
      path: WEBHOOKS_PATH,
      operationId: 'listWebhooks',
      resource: 'webhooks',
      summary: 'List webhooks',
      description: 'The brand’s webhook endpoints, oldest first.',
    }),
  )
  .input(z.strictObject({}).optional())
  .output(WebhookListSchema)
  .query(({ ctx }) => listWebhooks(ctx, ctx.actor));
