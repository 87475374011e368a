import { useQuery } from '@tanstack/react-query';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import { READ_ONLY_NOTE, useCanChange } from '../../../auth/permissions';
import { Link } from '../../../router/history';
import { paths } from '../../../router/routes';
import { ActionError } from '../../../ui/ActionError';
import { PageHeading } from '../../../ui/PageHeading';
import { DeliveriesSection } from '../deliveries/DeliveriesSection';
import { CampaignOverview } from '../details/CampaignOverview';
import { DuplicateButton } from '../duplicate/DuplicateButton';
import { HistorySection } from '../history/HistorySection';
import { StatusBadge } from '../StatusBadge';
import { SendingSection } from '../schedule/SendingSection';
import { StepsSection } from '../steps/StepsSection';
import { CampaignVersionProvider } from '../versions/useVersionGuard';

export function CampaignDetailScreen({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const canChange = useCanChange();
  // Kept current by the tab's live stream (api/LiveEvents.tsx): no polling.
  const campaign = useQuery(trpc.campaigns.get.queryOptions({ id: campaignId }));

  const back = (
    <Link to={paths.list()} className="back-link">
      ← All campaigns
    </Link>
  );
  // A failed background refresh keeps showing the campaign it already has.
  if (!campaign.data) {
    return (
      <>
        {back}
        {campaign.isError ? (
          <>
            <PageHeading>Campaign not available</PageHeading>
            <ActionError message={describeError(campaign.error, 'load').summary} />
          </>
        ) : (
          <p aria-busy="true">Loading campaign…</p>
        )}
      </>
    );
  }

  const data = campaign.data;
  return (
    <CampaignVersionProvider campaign={data}>
      {back}
      <div className="page-header">
        <PageHeading>{data.name}</PageHeading>
        <StatusBadge status={data.status} />
        {canChange ? <DuplicateButton campaign={data} /> : null}
      </div>
      {canChange ? null : <p className="note">{READ_ONLY_NOTE}</p>}
      <CampaignOverview campaign={data} />
      <StepsSection campaign={data} />
      <SendingSection campaign={data} />
      <DeliveriesSection campaign={data} />
      <HistorySection campaign={data} />
    </CampaignVersionProvider>
  );
}
