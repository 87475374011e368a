import { CampaignIdInputSchema, CampaignSchema, SCOPES } from '@campaigns/contract';
import { duplicateCampaign } from '@campaigns/core';
import { replayOr, scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const duplicate = scopedProcedure(SCOPES.write)
  .meta(
    restRoute({
      versioning: 'version',
      method: 'POST',
      path: `${CAMPAIGN_PATH}/duplicate`,
      operationId: 'duplicateCampaign',
      summary: 'Duplicate a campaign',
      description:
        'Creates a new draft named `<name> (copy)` (the name cut so that the whole fits 200 characters) with ' +
        'the same description, segment, send window and steps (new ids, same order). Works from any status.',
      successStatus: 201,
      successDescription: 'Created',
    }),
  )
  .input(CampaignIdInputSchema)
  .output(CampaignSchema)
  .mutation(replayOr(duplicateCampaign));
