import { CampaignIdInputSchema, CampaignSchema, SCOPES } from '@campaigns/contract';
import { unscheduleCampaign } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const unschedule = scopedProcedure(SCOPES.write)
  .meta(
    restRoute({
      versioning: 'change',
      method: 'POST',
      path: `${CAMPAIGN_PATH}/unschedule`,
      operationId: 'unscheduleCampaign',
      summary: 'Unschedule a campaign',
      description: 'Moves a scheduled campaign back to draft; `scheduled_at` and `published_at` are cleared.',
      badState: { invalid_status: 'the campaign is not scheduled (`details.status`)' },
    }),
  )
  .input(CampaignIdInputSchema)
  .output(CampaignSchema)
  .mutation(replayOr(unscheduleCampaign));
