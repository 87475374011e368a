import type { FeedEvent } from '@campaigns/contract';
import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect } from 'react';
import { useTRPC, useTRPCClient } from './trpc';

const BURST_MS = 150;

/**
 * One live stream per tab (API.md, Live stream): the tRPC subscription campaigns.onEvent over SSE,
 * resumed after the last event on a reconnect. Each event refreshes what it changed (the campaign, its
 * steps, deliveries and history, the list), so screens show the dispatcher's work and changes made
 * elsewhere without polling.
 */
export function LiveEvents({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  useEffect(() => {
    // Events come in bursts (a campaign created with its steps, a firing): what they changed is
    // collected and re-read once per burst. An in-flight read ("Show more", say) is never cancelled.
    const stale = new Map<string, readonly unknown[]>();
    let flush: ReturnType<typeof setTimeout> | undefined;
    const mark = (queryKey: readonly unknown[]) => {
      stale.set(JSON.stringify(queryKey), queryKey);
      flush ??= setTimeout(() => {
        flush = undefined;
        const keys = [...stale.values()];
        stale.clear();
        for (const queryKey of keys)
          void queryClient.invalidateQueries({ queryKey }, { cancelRefetch: false });
      }, BURST_MS);
    };
    const refresh = (event: FeedEvent) => {
      const id = typeof event.data.campaign?.id === 'string' ? event.data.campaign.id : undefined;
      mark(trpc.campaigns.list.pathKey());
      if (!id) return;
      mark(trpc.campaigns.get.queryKey({ id }));
      mark(trpc.campaigns.listEvents.pathKey());
      if (event.type.startsWith('step.')) mark(trpc.campaigns.listSteps.queryKey({ id }));
      if (event.type === 'delivery.fired' || event.type === 'campaign.sent') {
        mark(trpc.campaigns.listDeliveries.queryKey({ id }));
      }
    };
    const subscription = client.campaigns.onEvent.subscribe(
      {},
      {
        onData: (message) => refresh(message.data),
        // The link reconnects by itself (with the last event id); nothing to show meanwhile.
        onError: () => undefined,
      },
    );
    return () => {
      clearTimeout(flush);
      subscription.unsubscribe();
    };
  }, [client, queryClient, trpc]);
  return children;
}
