import { OnEventInputSchema, REQUEST_LIMITS, SCOPES } from '@campaigns/contract';
import { DomainError, FeedHub, followFeed, positionOfEvent } from '@campaigns/core';
import { tracked } from '@trpc/server';
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
    // The process's hub (apps/server makes one); a caller without one gets its own.
    if (!ctx.feedHub) ctx.feedHub = new FeedHub(ctx.db);
    const hub = ctx.feedHub;
    const limit = REQUEST_LIMITS.streamsPerToken;
    const release = hub.acquireStream(JSON.stringify([brandId, ctx.actor.sub]), limit);
    if (!release) {
      throw new DomainError('rate_limited', `At most ${limit} open streams per token`, {
        reason: 'too_many_streams',
        limit,
      });
    }
    signal?.addEventListener('abort', release, { once: true });
    const stream = followFeed(ctx, {
      brandId,
      ...(input.campaign_id !== undefined ? { campaignId: input.campaign_id } : {}),
      ...(after ? { after } : {}),
      signal: signal ?? new AbortController().signal,
    });
    return (async function* () {
      try {
        for await (const { event } of stream) yield tracked(event.id, event);
      } finally {
        release();
      }
    })();
  });
