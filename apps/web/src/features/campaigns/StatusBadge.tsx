import type { CampaignStatus } from '../../api/types';
import { STATUS_LABELS } from './status';

export function StatusBadge({ status }: { status: CampaignStatus }) {
  return <span className={`badge badge--${status}`}>{STATUS_LABELS[status]}</span>;
}
