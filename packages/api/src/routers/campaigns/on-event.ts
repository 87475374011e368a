import { OnEventInputSchema, SCOPES } from '@campaigns/contract';
import { tracked } from '@trpc/server';
import { followFeed, positionOfEvent } from '../../services/event-feed';
import { scopedProcedure } from '../../trpc';

/**
 * The live stream over tRPC (SSE through httpSubscriptionLink) and under REST's
 * `GET /v1/messaging/events/stream`: the brand's events from now, or after `lastEventId` (which the
 * link sends on a reconnect), in commit order with nothing skipped. Not a generator itself: an unknown
 * `lastEventId` is refused before the stream starts, as a plain 400.
 */
export const onEvent = scopedProcedure(SCOPES.read)
  .input(OnEventInputSchema)
  .subscription(async ({ ctx, input, signal }) => {
    const brandId = ctx.actor.brandId;
    const after = input.lastEventId ? await positionOfEvent(ctx.db, brandId, input.lastEventId) : undefined;
    const stream = followFeed(ctx, {
      brandId,
      ...(input.campaign_id !== undefined ? { campaignId: input.campaign_id } : {}),
      ...(after ? { after } : {}),
      signal: signal ?? new AbortController().signal,
    });
    return (async function* () {
      for await (const { event } of stream) yield tracked(event.id, event);
    })();
  });
