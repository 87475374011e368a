import type { FeedEvent } from '@campaigns/contract';
import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect } from 'react';
import { useTRPC, useTRPCClient } from './trpc';

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
    const refresh = (event: FeedEvent) => {
      const id = typeof event.data.campaign?.id === 'string' ? event.data.campaign.id : undefined;
      void queryClient.invalidateQueries({ queryKey: trpc.campaigns.list.pathKey() });
      if (!id) return;
      void queryClient.invalidateQueries({ queryKey: trpc.campaigns.get.queryKey({ id }) });
      void queryClient.invalidateQueries({ queryKey: trpc.campaigns.listEvents.pathKey() });
      if (event.type.startsWith('step.')) {
        void queryClient.invalidateQueries({ queryKey: trpc.campaigns.listSteps.queryKey({ id }) });
      }
      if (event.type === 'delivery.fired' || event.type === 'campaign.sent') {
        void queryClient.invalidateQueries({ queryKey: trpc.campaigns.listDeliveries.queryKey({ id }) });
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
    return () => subscription.unsubscribe();
  }, [client, queryClient, trpc]);
  return children;
}
