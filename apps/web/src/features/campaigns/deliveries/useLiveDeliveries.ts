import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTRPC } from '../../../api/trpc';
import type { Campaign } from '../../../api/types';
import { isLive } from '../status';

/** Steps fire on their own once the campaign starts; re-read this often while it is scheduled or sending. */
const POLL_MS = 3_000;

/** The campaign's deliveries, polled while it is live. A draft has never sent anything: no request at all. */
export function useLiveDeliveries(campaign: Campaign) {
  const trpc = useTRPC();
  const enabled = campaign.status !== 'draft';
  const deliveries = useQuery({
    ...trpc.campaigns.listDeliveries.queryOptions({ id: campaign.id }),
    enabled,
    refetchInterval: isLive(campaign.status) ? POLL_MS : false,
  });

  // The campaign's own poll may see it finish before this one sees the last delivery: read once more.
  const { refetch } = deliveries;
  const seenStatus = useRef(campaign.status);
  useEffect(() => {
    if (seenStatus.current === campaign.status) return;
    seenStatus.current = campaign.status;
    if (enabled) void refetch();
  }, [campaign.status, enabled, refetch]);

  return deliveries;
}
