import { CampaignEventPageSchema, ListEventsInputSchema, SCOPES } from '@campaigns/contract';
import { listEvents as listEventsService } from '@campaigns/core';
import { scopedProcedure } from '../../trpc';
import { CAMPAIGN_PATH, restRoute } from './meta';

export const listEvents = scopedProcedure(SCOPES.read)
  .meta(
    restRoute({
      method: 'GET',
      path: `${CAMPAIGN_PATH}/events`,
      operationId: 'listCampaignEvents',
      summary: 'List audit events',
      description:
        'The campaign’s audit trail, oldest first: one event per change to the campaign or its steps, ' +
        'with who made it, what it was, and the Campaign or Step before and after. Keyset paged: pass ' +
        '`next_cursor` as `cursor` for the next page; `null` means there is none.',
    }),
  )
  .input(ListEventsInputSchema)
  .output(CampaignEventPageSchema)
  .query(({ ctx, input }) => listEventsService(ctx, ctx.actor, input));
