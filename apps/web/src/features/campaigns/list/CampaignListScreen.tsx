import { CAMPAIGN_STATUSES } from '@campaigns/contract';
import type { CampaignStatus } from '../../../api/types';
import { Link, navigate, useLocation } from '../../../router/history';
import { paths } from '../../../router/routes';
import { PageHeading } from '../../../ui/PageHeading';
import { CampaignList } from './CampaignList';
import { StatusFilter } from './StatusFilter';

const parseStatus = (value: string | null): CampaignStatus | undefined =>
  CAMPAIGN_STATUSES.find((status) => status === value);

/** All campaigns of the brand, newest first, filtered by status (kept in the URL so it can be shared). */
export function CampaignListScreen() {
  const { searchParams } = useLocation();
  const status = parseStatus(searchParams.get('status'));
  return (
    <>
      <div className="page-header">
        <PageHeading>Campaigns</PageHeading>
        <Link to={paths.create()} className="button button--primary">
          New campaign
        </Link>
      </div>
      <StatusFilter value={status} onChange={(next) => navigate(paths.list(next), { replace: true })} />
      <CampaignList status={status} />
    </>
  );
}
