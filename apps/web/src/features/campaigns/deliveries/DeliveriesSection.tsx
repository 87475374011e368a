import { plannedTimes } from '@campaigns/contract';
import { useQuery } from '@tanstack/react-query';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import type { Campaign } from '../../../api/types';
import { ActionError } from '../../../ui/ActionError';
import { PlannedTime } from '../send-window/PlannedTime';
import { isLive } from '../status';
import { DeliveriesTable } from './DeliveriesTable';
import { useLiveDeliveries } from './useLiveDeliveries';

/** The steps sent so far, appearing as they fire. */
export function DeliveriesSection({ campaign }: { campaign: Campaign }) {
  const trpc = useTRPC();
  const deliveries = useLiveDeliveries(campaign);
  // The steps section's cached query: no extra request.
  const steps = useQuery(trpc.campaigns.listSteps.queryOptions({ id: campaign.id }));
  if (campaign.status === 'draft') return null;

  const sent = deliveries.data?.items ?? [];
  const stepItems = steps.data?.items;
  const total = stepItems?.length;
  // The next step's planned time, from the planner the dispatcher fires by.
  const next =
    isLive(campaign.status) && campaign.scheduled_at && stepItems && sent.length < stepItems.length
      ? plannedTimes(
          new Date(campaign.scheduled_at),
          stepItems.map((step) => step.delay_minutes),
          campaign.send_window,
        )[sent.length]
      : undefined;
  return (
    <section className="section" aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Deliveries</h2>
      <p aria-live="polite" id="delivery-progress">
        {total === undefined ? `${sent.length} sent` : `${sent.length} of ${total} steps sent`}
        {next ? (
          <>
            {' · next at '}
            <PlannedTime at={next} />
          </>
        ) : null}
        {isLive(campaign.status) ? ' · updates automatically' : ''}
      </p>
      {deliveries.isError && !deliveries.data ? (
        <ActionError message={describeError(deliveries.error, 'load').summary} />
      ) : null}
      {sent.length > 0 ? <DeliveriesTable deliveries={sent} /> : null}
    </section>
  );
}
