import { CreateWebhookInputSchema, SCOPES, WebhookWithSecretSchema } from '@campaigns/contract';
import { createWebhook } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { restRoute, WEBHOOKS_PATH } from '../campaigns/meta';

export const create = scopedProcedure(SCOPES.webhooksWrite)
  .meta(
    restRoute({
      method: 'POST',
      path: WEBHOOKS_PATH,
      operationId: 'createWebhook',
      resource: 'webhooks',
      summary: 'Create a webhook',
      description:
        'Registers an endpoint for the brand’s events. The answer carries its `secret`, shown only here: verify every delivery’s `webhook-signature` with it (Standard Webhooks). At most 20 per brand.',
      successStatus: 201,
      badState: { limit_reached: 'the brand already has 20 webhooks (`details.limit`)' },
      successDescription: 'Created',
    }),
  )
  .input(CreateWebhookInputSchema)
  .output(WebhookWithSecretSchema)
  .mutation(replayOr(createWebhook));
