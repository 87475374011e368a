import { AddStepInputSchema, SCOPES, StepSchema } from '@campaigns/contract';
import { addStep as addStepService } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const addStep = scopedProcedure(SCOPES.write)
  .meta(
    restRoute({
      versioning: 'change',
      method: 'POST',
      path: `${CAMPAIGN_PATH}/steps`,
      operationId: 'addCampaignStep',
      summary: 'Add a step',
      description:
        'Inserts a step at `position` (0 ≤ position ≤ number of steps); steps at and after it move one ' +
        'place down. Only drafts can change, and a campaign has at most 100 steps.',
      successStatus: 201,
      successDescription: 'Created',
      badState: {
        invalid_status: 'the campaign is not a draft (`details.status` says what it is)',
        position_out_of_range: '`position` is past the end (`details.max_position` is the last allowed)',
        step_limit_reached: 'the campaign has 100 steps (`details.limit`)',
      },
    }),
  )
  .input(AddStepInputSchema)
  .output(StepSchema)
  .mutation(replayOr(addStepService));
