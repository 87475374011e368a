import { SCOPES, StepListSchema, StepRefInputSchema } from '@campaigns/contract';
import { removeStep as removeStepService } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const removeStep = scopedProcedure(SCOPES.write)
  .meta(
    restRoute({
      versioning: 'change',
      method: 'DELETE',
      path: `${CAMPAIGN_PATH}/steps/{step_id}`,
      operationId: 'removeCampaignStep',
      summary: 'Remove a step',
      description: 'Removes a step of a draft campaign; later steps move up. Returns the remaining steps.',
      badState: { invalid_status: 'the campaign is not a draft (`details.status`)' },
    }),
  )
  .input(StepRefInputSchema)
  .output(StepListSchema)
  .mutation(replayOr(removeStepService));
