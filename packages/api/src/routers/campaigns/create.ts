import { CampaignSchema, CreateCampaignInputSchema, SCOPES } from '@campaigns/contract';
import { createCampaign } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { CAMPAIGNS_PATH, restRoute } from './meta';

export const create = scopedProcedure(SCOPES.write)
  .meta(
    restRoute({
      versioning: 'version',
      method: 'POST',
      path: CAMPAIGNS_PATH,
      operationId: 'createCampaign',
      summary: 'Create a campaign',
      description: 'Creates a draft campaign for the token’s brand; `created_by` is the token’s subject.',
      successStatus: 201,
      successDescription: 'Created',
    }),
  )
  .input(CreateCampaignInputSchema)
  .output(CampaignSchema)
  .mutation(replayOr(createCampaign));
