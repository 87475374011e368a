import { CAMPAIGN_STATUSES } from '@campaigns/contract';
import type { CampaignStatus } from '../../../api/types';
import { STATUS_LABELS } from '../status';

interface StatusFilterProps {
  value: CampaignStatus | undefined;
  onChange: (status: CampaignStatus | undefined) => void;
}

export function StatusFilter({ value, onChange }: StatusFilterProps) {
  return (
    <div className="filter">
      <label htmlFor="status-filter">Status</label>
      <select
        id="status-filter"
        value={value ?? ''}
        onChange={(event) => onChange(CAMPAIGN_STATUSES.find((status) => status === event.target.value))}
      >
        <option value="">All statuses</option>
        {CAMPAIGN_STATUSES.map((status) => (
          <option key={status} value={status}>
            {STATUS_LABELS[status]}
          </option>
        ))}
      </select>
    </div>
  );
}
