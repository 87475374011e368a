import { CampaignIdInputSchema, SCOPES, StepListSchema } from '@campaigns/contract';
import { listSteps as listStepsService } from '@campaigns/core';
import { scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const listSteps = scopedProcedure(SCOPES.read)
  .meta(
    restRoute({
      method: 'GET',
      path: `${CAMPAIGN_PATH}/steps`,
      operationId: 'listCampaignSteps',
      summary: 'List steps',
      description: 'The campaign’s steps ordered by position.',
    }),
  )
  .input(CampaignIdInputSchema)
  .output(StepListSchema)
  .query(({ ctx, input }) => listStepsService(ctx, ctx.actor, input));
