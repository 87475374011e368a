import { CampaignSchema, SCOPES, ScheduleCampaignInputSchema } from '@campaigns/contract';
import { scheduleCampaign } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const schedule = scopedProcedure(SCOPES.write)
  .meta(
    restRoute({
      versioning: 'change',
      method: 'POST',
      path: `${CAMPAIGN_PATH}/schedule`,
      operationId: 'scheduleCampaign',
      summary: 'Schedule a campaign',
      description:
        'Schedules a draft campaign, or reschedules a scheduled one, to start sending at `scheduled_at` ' +
        '(an RFC 3339 date-time with an offset, in the future). The campaign needs at least one step.',
      successDescription: 'Scheduled',
      badState: {
        invalid_status: 'the campaign is not draft or scheduled (`details.status` says what it is)',
        no_steps: 'the campaign has no steps; add one first',
      },
    }),
  )
  .input(ScheduleCampaignInputSchema)
  .output(CampaignSchema)
  .mutation(replayOr(scheduleCampaign));
