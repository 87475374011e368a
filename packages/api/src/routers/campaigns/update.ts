import { CampaignSchema, SCOPES, UpdateCampaignInputSchema } from '@campaigns/contract';
import { updateCampaign } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const update = scopedProcedure(SCOPES.write)
  .meta(
    restRoute({
      versioning: 'change',
      method: 'PATCH',
      path: CAMPAIGN_PATH,
      operationId: 'updateCampaign',
      summary: 'Edit a draft campaign',
      description: 'Changes name, description or segment_id. Only drafts can be edited.',
      badState: { invalid_status: 'the campaign is not a draft (`details.status`)' },
    }),
  )
  .input(UpdateCampaignInputSchema)
  .output(CampaignSchema)
  .mutation(replayOr(updateCampaign));
