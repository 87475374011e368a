import type { Campaign } from '../../../api/types';
import { useCanChange } from '../../../auth/permissions';
import { formatInstant } from '../../../forms/datetime';
import { usePendingFocus } from '../../../ui/usePendingFocus';
import { can } from '../status';
import { LifecycleActions } from './LifecycleActions';
import { ScheduleForm } from './ScheduleForm';

function statusSentence(campaign: Campaign): string {
  switch (campaign.status) {
    case 'draft':
      return 'This campaign is a draft. Choose when it should start sending.';
    case 'scheduled':
      return campaign.scheduled_at
        ? `Scheduled to start sending ${formatInstant(campaign.scheduled_at)}${
            campaign.send_window ? ', within the send window (see each step’s planned time)' : ''
          }.`
        : 'Scheduled.';
    case 'sending':
      return 'Sending now: steps go out one after another.';
    case 'sent':
      return campaign.sent_at
        ? `All steps were sent; the last one ${formatInstant(campaign.sent_at)}.`
        : 'Sent.';
    case 'cancelled':
      return 'This campaign was cancelled. Steps not sent by then will never be sent.';
  }
}

/** When the campaign sends: schedule or reschedule it, take it back to draft, or cancel it. */
export function SendingSection({ campaign }: { campaign: Campaign }) {
  const focusLater = usePendingFocus();
  const canChange = useCanChange();
  // After each action the sentence above says what happened; focus goes there.
  const showStatus = () => focusLater('sending-status');
  return (
    <section className="section" aria-labelledby="sending-heading">
      <h2 id="sending-heading">Sending</h2>
      <p id="sending-status" className="status-line" tabIndex={-1}>
        {statusSentence(campaign)}
      </p>
      {canChange && can.schedule(campaign.status) ? (
        <ScheduleForm campaign={campaign} onDone={showStatus} />
      ) : null}
      {canChange ? <LifecycleActions campaign={campaign} onDone={showStatus} /> : null}
    </section>
  );
}
