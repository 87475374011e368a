import { CampaignIdInputSchema, CampaignSchema, SCOPES } from '@campaigns/contract';
import { cancelCampaign } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const cancel = scopedProcedure(SCOPES.write)
  .meta(
    restRoute({
      versioning: 'change',
      method: 'POST',
      path: `${CAMPAIGN_PATH}/cancel`,
      operationId: 'cancelCampaign',
      summary: 'Cancel a campaign',
      description: 'Cancels a draft, scheduled or sending campaign. Steps not yet fired never fire.',
      badState: { invalid_status: 'the campaign is already sent or cancelled (`details.status`)' },
    }),
  )
  .input(CampaignIdInputSchema)
  .output(CampaignSchema)
  .mutation(replayOr(cancelCampaign));
