import { SCOPES, StepSchema, UpdateStepInputSchema } from '@campaigns/contract';
import { updateStep as updateStepService } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const updateStep = scopedProcedure(SCOPES.write)
  .meta(
    restRoute({
      versioning: 'change',
      method: 'PATCH',
      path: `${CAMPAIGN_PATH}/steps/{step_id}`,
      operationId: 'updateCampaignStep',
      summary: 'Edit or move a step',
      description:
        'Changes a step of a draft campaign. A new `position` (0 … number of steps − 1) moves the step; ' +
        'the others keep their relative order and positions stay contiguous.',
      badState: {
        invalid_status: 'the campaign is not a draft (`details.status`)',
        position_out_of_range: '`position` is past the last step (`details.max_position`)',
      },
    }),
  )
  .input(UpdateStepInputSchema)
  .output(StepSchema)
  .mutation(replayOr(updateStepService));
