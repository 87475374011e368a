import type { Campaign, Delivery } from '@campaigns/contract';
import type { Campaign as CampaignRow, Prisma } from '@campaigns/db';
import { type AuditEventInput, appendEvents, DISPATCHER_ACTOR } from '../services/audit';
import { toCampaign } from '../services/mappers';
import type { FiringPlan } from './plan';

/**
 * The audit trail (and so the event feed) of one firing, written in the firing transaction so that it
 * commits or rolls back with it, in the order things happened: `campaign.sending`, one
 * `delivery.fired` per step fired, then `campaign.sent` (or `campaign.cancelled` when found too late).
 * A campaign that starts and finishes in one firing passed through `sending` all the same: it gets both
 * events, the first one's `after` being that instant's state.
 */
export async function auditFiring(
  tx: Prisma.TransactionClient,
  firing: {
    campaignId: string;
    brandId: string;
    /** The campaign before and after, when its status changed. */
    transition?: { before: CampaignRow; after: CampaignRow };
    plan: FiringPlan;
    deliveries: readonly Delivery[];
    now: Date;
  },
): Promise<void> {
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
    const before = toCampaign(firing.transition.before);
    const after = toCampaign(firing.transition.after);
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
  await appendEvents(tx, events);
}
