import { versionOf } from '@campaigns/client';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, createElement, type ReactNode, useContext } from 'react';
import { readApiProblem } from '../../../api/problem';
import { useTRPC } from '../../../api/trpc';
import type { Campaign } from '../../../api/types';
import { describeChanges } from './describe-changes';

/**
 * Every change the campaign page makes is conditional on the version it shows (API.md, Optimistic
 * concurrency): `trpc` goes into the mutation's options and sends `If-Match`. After any refusal the page
 * re-reads the campaign and its steps, so it never keeps showing a state the server no longer has; when
 * the refusal was a newer version, `refused` reports what changed.
 */
export function useVersionGuard() {
  const campaign = useContext(ShownCampaign);
  if (!campaign) throw new Error('useVersionGuard outside a CampaignVersionProvider');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return {
    trpc: { context: { ifMatch: versionOf(campaign) } },
    /** Re-reads after a refused change; `show` gets '' at once, then what changed on a version mismatch. */
    refused(error: unknown, show: (changed: string) => void): void {
      show('');
      const shown = campaign;
      const mismatch = readApiProblem(error).details.reason === 'version_mismatch';
      void queryClient.invalidateQueries({ queryKey: trpc.campaigns.listSteps.queryKey({ id: shown.id }) });
      void queryClient
        .fetchQuery({ ...trpc.campaigns.get.queryOptions({ id: shown.id }), staleTime: 0 })
        .then((current) => {
          if (mismatch) show(describeChanges(shown, current));
        })
        .catch(() => undefined); // the campaign screen shows a failed read itself
    },
  };
}

/** An error report's summary with what changed meanwhile appended. */
export const withChanges = <R extends { summary: string }>(report: R, changed: string): R => ({
  ...report,
  summary: [report.summary, changed].filter(Boolean).join(' '),
});

const ShownCampaign = createContext<Campaign | null>(null);

/** The campaign as the page shows it: the version every change on the page is conditional on. */
export const CampaignVersionProvider = ({
  campaign,
  children,
}: {
  campaign: Campaign;
  children: ReactNode;
}) => createElement(ShownCampaign.Provider, { value: campaign }, children);
