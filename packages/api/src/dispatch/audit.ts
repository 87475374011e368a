import type { Campaign } from '@campaigns/contract';
import type { Campaign as CampaignRow, Prisma } from '@campaigns/db';
import { appendEvent, DISPATCHER_ACTOR } from '../services/audit';
import { toCampaign } from '../services/mappers';
import type { FiringPlan } from './plan';

/**
 * The audit trail of the dispatcher's own status changes, written in the firing transaction (so it
 * commits or rolls back with them). A campaign that starts and finishes in one firing passed through
 * `sending` all the same: it gets both events, the first one's `after` being that instant's state.
 */
export async function auditTransitions(
  tx: Prisma.TransactionClient,
  beforeRow: CampaignRow,
  afterRow: CampaignRow,
  plan: FiringPlan,
  now: Date,
): Promise<void> {
  const before = toCampaign(beforeRow);
  const after = toCampaign(afterRow);
  const event = (
    action: 'campaign.sending' | 'campaign.sent' | 'campaign.cancelled',
    from: Campaign,
    to: Campaign,
  ) =>
    appendEvent(tx, {
      campaignId: after.id,
      brandId: after.brand_id,
      actor: DISPATCHER_ACTOR,
      action,
      before: from,
      after: to,
      at: now,
    });

  if (plan.status === 'cancelled') return event('campaign.cancelled', before, after);
  if (plan.started && plan.status === 'sent') {
    const sending: Campaign = { ...before, status: 'sending', updated_at: after.updated_at };
    await event('campaign.sending', before, sending);
    return event('campaign.sent', sending, after);
  }
  if (plan.started) return event('campaign.sending', before, after);
  if (plan.status === 'sent') return event('campaign.sent', before, after);
}
