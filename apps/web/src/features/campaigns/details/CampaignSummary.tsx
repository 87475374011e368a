import type { ReactNode } from 'react';
import type { Campaign } from '../../../api/types';
import { formatInstant } from '../../../forms/datetime';
import { describeSendWindow } from '../send-window/send-window-values';

function Row({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

const when = (instant: string | null) => (instant ? formatInstant(instant) : null);

/** The campaign's facts; lifecycle times appear once they happened. All times in the marketer's zone. */
export function CampaignSummary({ campaign }: { campaign: Campaign }) {
  const times: [string, string | null][] = [
    ['Scheduled for', when(campaign.scheduled_at)],
    ['Published', when(campaign.published_at)],
    ['Sent', when(campaign.sent_at)],
    ['Cancelled', when(campaign.cancelled_at)],
  ];
  return (
    <dl className="summary">
      <Row term="Audience segment">
        <code>{campaign.segment_id}</code>
      </Row>
      {campaign.description ? <Row term="Description">{campaign.description}</Row> : null}
      <Row term="Send window">{describeSendWindow(campaign.send_window)}</Row>
      {times.map(([term, value]) =>
        value ? (
          <Row key={term} term={term}>
            {value}
          </Row>
        ) : null,
      )}
      <Row term="Created">
        {formatInstant(campaign.created_at)} by {campaign.created_by}
      </Row>
      <Row term="Last changed">{formatInstant(campaign.updated_at)}</Row>
    </dl>
  );
}
