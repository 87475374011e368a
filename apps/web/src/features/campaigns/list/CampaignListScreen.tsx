import { CAMPAIGN_LIMITS, CAMPAIGN_STATUSES } from '@campaigns/contract';
import type { CampaignStatus } from '../../../api/types';
import { READ_ONLY_NOTE, useCanChange } from '../../../auth/permissions';
import { Link, navigate, useLocation } from '../../../router/history';
import { paths } from '../../../router/routes';
import { PageHeading } from '../../../ui/PageHeading';
import { CampaignList } from './CampaignList';
import { SearchBox } from './SearchBox';
import { StatusFilter } from './StatusFilter';

const parseStatus = (value: string | null): CampaignStatus | undefined =>
  CAMPAIGN_STATUSES.find((status) => status === value);

/** All campaigns of the brand, newest first, filtered by status and name (kept in the URL so it can be shared). */
export function CampaignListScreen() {
  const { searchParams } = useLocation();
  const canChange = useCanChange();
  const status = parseStatus(searchParams.get('status'));
  const q = searchParams.get('q') ?? '';
  // The API searches 3 to 200 characters; other text lists everything (the box says so).
  const search =
    q.length >= CAMPAIGN_LIMITS.searchMin && q.length <= CAMPAIGN_LIMITS.searchMax ? q : undefined;
  return (
    <>
      <div className="page-header">
        <PageHeading>Campaigns</PageHeading>
        {canChange ? (
          <Link to={paths.create()} className="button button--primary">
            New campaign
          </Link>
        ) : null}
      </div>
      {canChange ? null : <p className="note">{READ_ONLY_NOTE}</p>}
      <div className="filters">
        <SearchBox value={q} onChange={(next) => navigate(paths.list(status, next), { replace: true })} />
        <StatusFilter value={status} onChange={(next) => navigate(paths.list(next, q), { replace: true })} />
      </div>
      <CampaignList status={status} q={search} />
    </>
  );
}
