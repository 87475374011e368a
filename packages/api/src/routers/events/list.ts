import { FeedPageSchema, ListFeedInputSchema, SCOPES } from '@campaigns/contract';
import { listFeed } from '@campaigns/core';
import { scopedProcedure } from '../../trpc';
import { EVENTS_PATH, restRoute } from '../campaigns/meta';

export const list = scopedProcedure(SCOPES.read)
  .meta(
    restRoute({
      method: 'GET',
      path: EVENTS_PATH,
      operationId: 'listEvents',
      resource: 'events',
      summary: 'List events',
      description:
        'The brand’s events (every change the audit trail records, and every fired step), in commit order ' +
        'with nothing skipped: a reader that continues from `next_cursor` later sees every event committed ' +
        'after the ones it has, even one whose transaction started earlier. Optionally one campaign’s. ' +
        '`next_cursor` is returned after the last page too: continue from it to read what comes later.',
    }),
  )
  .input(ListFeedInputSchema)
  .output(FeedPageSchema)
  .query(({ ctx, input }) => listFeed(ctx, ctx.actor, input));
