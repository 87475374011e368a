import type { Campaign } from '../../../api/types';
import { formatInstant } from '../../../forms/datetime';
import { Link } from '../../../router/history';
import { paths } from '../../../router/routes';
import { StatusBadge } from '../StatusBadge';

/** The one line that matters for each status: when it will send, when it sent, or when it last changed. */
function whenText(campaign: Campaign): string {
  if (campaign.status === 'scheduled' && campaign.scheduled_at)
    return `Sends ${formatInstant(campaign.scheduled_at)}`;
  if (campaign.status === 'sent' && campaign.sent_at) return `Sent ${formatInstant(campaign.sent_at)}`;
  if (campaign.status === 'cancelled' && campaign.cancelled_at) {
    return `Cancelled ${formatInstant(campaign.cancelled_at)}`;
  }
  return `Updated ${formatInstant(campaign.updated_at)}`;
}

export function CampaignListItem({ campaign }: { campaign: Campaign }) {
  return (
    <li className="campaign-list__item">
      <Link to={paths.detail(campaign.id)} className="campaign-list__name">
        {campaign.name}
      </Link>
      <StatusBadge status={campaign.status} />
      <span className="campaign-list__meta">
        Segment {campaign.segment_id} · {whenText(campaign)}
      </span>
    </li>
  );
}
