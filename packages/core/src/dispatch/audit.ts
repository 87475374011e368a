import type { Campaign, Delivery } from '@campaigns/contract';
import { type AuditEventInput, DISPATCHER_ACTOR } from '../services/audit';
import type { FiringPlan } from './plan';

/**
 * The audit trail (and so the event feed) of one firing, to be written in the firing transaction so that it
 * commits or rolls back with it, in the order things happened: `campaign.sending`, one
 * `delivery.fired` per step fired, then `campaign.sent` (or `campaign.cancelled` when found too late).
 * A campaign that starts and finishes in one firing passed through `sending` all the same: it gets both
 * events, the first one's `after` being that instant's state.
 */
export function firingEvents(firing: {
  campaignId: string;
  brandId: string;
  /** The campaign before and after, when its status changed. */
  transition: { before: Campaign; after: Campaign } | undefined;
  plan: FiringPlan;
  deliveries: readonly Delivery[];
  now: Date;
}): AuditEventInput[] {
  const { plan, now } = firing;
  const event = (
    action: 'campaign.sending' | 'campaign.sent' | 'campaign.cancelled',
    from: Campaign,
    to: Campaign,
  ): AuditEventInput => ({
    campaignId: firing.campaignId,
    brandId: firing.brandId,
    actor: DISPATCHER_ACTOR,
    action,
    before: from,
    after: to,
    at: now,
  });
  const fired = firing.deliveries.map(
    (delivery): AuditEventInput => ({
      campaignId: firing.campaignId,
      brandId: firing.brandId,
      actor: DISPATCHER_ACTOR,
      action: 'delivery.fired',
      stepId: delivery.step_id,
      before: null,
      after: delivery,
      at: now,
    }),
  );

  const events: AuditEventInput[] = [];
  if (firing.transition) {
    const { before, after } = firing.transition;
    if (plan.status === 'cancelled') {
      events.push(event('campaign.cancelled', before, after));
    } else if (plan.started && plan.status === 'sent') {
      const sending: Campaign = { ...before, status: 'sending', updated_at: after.updated_at };
      events.push(
        event('campaign.sending', before, sending),
        ...fired,
        event('campaign.sent', sending, after),
      );
    } else if (plan.started) {
      events.push(event('campaign.sending', before, after), ...fired);
    } else if (plan.status === 'sent') {
      events.push(...fired, event('campaign.sent', before, after));
    }
  } else {
    events.push(...fired);
  }
  return events;
}
