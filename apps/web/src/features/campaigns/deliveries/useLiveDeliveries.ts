import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../../api/trpc';
import type { Campaign } from '../../../api/types';

/**
 * The campaign's deliveries, kept current by the tab's live stream (each `delivery.fired` re-reads
 * them: api/LiveEvents.tsx). A draft has never sent anything: no request at all.
 */
export function useLiveDeliveries(campaign: Campaign) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.campaigns.listDeliveries.queryOptions({ id: campaign.id }),
    enabled: campaign.status !== 'draft',
  });
}
