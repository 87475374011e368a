import { CampaignIdInputSchema, CampaignSchema, SCOPES } from '@campaigns/contract';
import { getCampaign } from '@campaigns/core';
import { scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const get = scopedProcedure(SCOPES.read)
  .meta(
    restRoute({
      versioning: 'read',
      method: 'GET',
      path: CAMPAIGN_PATH,
      operationId: 'getCampaign',
      summary: 'Get a campaign',
      description: 'Returns one campaign of the token’s brand.',
    }),
  )
  .input(CampaignIdInputSchema)
  .output(CampaignSchema)
  .query(({ ctx, input }) => getCampaign(ctx, ctx.actor, input));
