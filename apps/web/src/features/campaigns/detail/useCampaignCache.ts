import { useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTRPC } from '../../../api/trpc';
import type { Campaign, Step } from '../../../api/types';

/** Keeps the cached campaign, its steps and the list in step with what a mutation returned. */
export function useCampaignCache(campaignId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMemo(() => {
    const campaignKey = trpc.campaigns.get.queryKey({ id: campaignId });
    const stepsKey = trpc.campaigns.listSteps.queryKey({ id: campaignId });
    const refreshList = () => queryClient.invalidateQueries({ queryKey: trpc.campaigns.list.pathKey() });
    return {
      /** A lifecycle mutation answered with the new campaign: show it now, refresh the list later. */
      setCampaign(campaign: Campaign) {
        queryClient.setQueryData(campaignKey, campaign);
        void refreshList();
      },
      setSteps(items: Step[]) {
        queryClient.setQueryData(stepsKey, { items });
      },
      /**
       * Steps changed: positions of others may have moved and the campaign's `updated_at` too. Resolves once
       * the fresh data is rendered-ready, so focus can move to where the step now is.
       */
      async refreshSteps() {
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: stepsKey }),
          queryClient.invalidateQueries({ queryKey: campaignKey }),
        ]);
        void refreshList();
      },
    };
  }, [trpc, queryClient, campaignId]);
}
