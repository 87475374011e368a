import { CampaignIdInputSchema, DeliveryListSchema, SCOPES } from '@campaigns/contract';
import { listDeliveries as listDeliveriesService } from '@campaigns/core';
import { scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const listDeliveries = scopedProcedure(SCOPES.read)
  .meta(
    restRoute({
      method: 'GET',
      path: `${CAMPAIGN_PATH}/deliveries`,
      operationId: 'listCampaignDeliveries',
      summary: 'List deliveries',
      description:
        'The steps fired so far, in order: one delivery per step, recorded exactly once when the step fired.',
    }),
  )
  .input(CampaignIdInputSchema)
  .output(DeliveryListSchema)
  .query(({ ctx, input }) => listDeliveriesService(ctx, ctx.actor, input));
