import { CampaignPageSchema, ListCampaignsInputSchema, SCOPES } from '@campaigns/contract';
import { listCampaigns } from '@campaigns/core';
import { scopedProcedure } from '../../trpc';
import { CAMPAIGNS_PATH, restRoute } from './meta';

export const list = scopedProcedure(SCOPES.read)
  .meta(
    restRoute({
      method: 'GET',
      path: CAMPAIGNS_PATH,
      operationId: 'listCampaigns',
      summary: 'List campaigns',
      description:
        'The brand’s campaigns, newest first, optionally filtered by status and by `q`, a case-insensitive ' +
        'substring of the name (the same matching on every PostgreSQL; backed by a trigram index). Pass ' +
        '`next_cursor` as `cursor` for the next page; pages stay stable when campaigns are created between ' +
        'requests.',
    }),
  )
  .input(ListCampaignsInputSchema)
  .output(CampaignPageSchema)
  .query(({ ctx, input }) => listCampaigns(ctx, ctx.actor, input));
