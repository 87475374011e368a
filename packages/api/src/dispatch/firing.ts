import type { CampaignStatus, SendWindow } from '@campaigns/contract';
import type { Delivery as DeliveryRow, Prisma, PrismaClient } from '@campaigns/db';
import type { Clock } from '../domain/clock';
import { newId } from '../domain/ids';
import { nextVersionAt } from '../domain/versions';
import { toDelivery } from '../services/mappers';
import { auditFiring } from './audit';
import { type FiringPlan, planFiring } from './plan';
import type { SendRequest } from './sender';

/**
 * One firing transaction: claim the most overdue campaign, re-read its state under the claim, record
 * what is due, move its status and next_due_at, commit. The claim is the campaign row's lock, taken
 * with SKIP LOCKED so concurrent workers spread over different campaigns instead of queueing. It is
 * the same lock schedule/unschedule/cancel take (services/campaign-lock.ts), so each of them happens
 * wholly before or wholly after a firing. A crashed worker's lock dies with its connection.
 */

export interface Firing {
  kind: 'fired';
  campaignId: string;
  brandId: string;
  scheduledAt: Date | null;
  /** The instant of the firing (claim, fired_at, sent_at). */
  now: Date;
  plan: FiringPlan;
  /** The recorded deliveries, for the sender; handed over after commit. */
  sends: SendRequest[];
}

/** A claimed campaign whose state cannot be fired (a bug or a hand edit): set aside, in the same transaction. */
export interface Deferral {
  kind: 'deferred';
  campaignId: string;
  error: unknown;
  retryAt: Date;
}

/** A firing that failed after claiming `campaignId` (undefined: before any claim). */
export class FiringError extends Error {
  override readonly name = 'FiringError';
  constructor(
    readonly campaignId: string | undefined,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export interface FireOptions {
  db: PrismaClient;
  clock: Clock;
  maxLatenessMs: number | null;
  /** Interactive transaction limit; a firing that takes longer is rolled back (and retried later). */
  transactionTimeoutMs: number;
  /** How long a campaign that cannot be fired is left alone. */
  retryAfterErrorMs: number;
  /** How long the firing process has to hand its deliveries to the sender before others may. */
  handOffGraceMs: number;
  /** Test seam: runs while the claim is held, before anything is recorded. */
  afterClaim?: (campaignId: string) => Promise<void>;
}

interface ClaimedRow {
  id: string;
  brand_id: string;
  segment_id: string;
  status: CampaignStatus;
  scheduled_at: Date | null;
  send_window: SendWindow | null;
  // What a status change by the dispatcher overwrites, for the audit trail's `before`.
  updated_at: Date;
  sent_at: Date | null;
  cancelled_at: Date | null;
}

interface StepRow {
  id: string;
  position: number;
  delay_minutes: number;
  template_id: string;
  template_version_id: string;
  variables: Record<string, unknown>;
  fired: boolean;
}

type Tx = Prisma.TransactionClient;

/**
 * Locks the most overdue campaign nobody else holds: a range scan of campaigns_next_due_idx in due
 * order, skipping locked rows. The row returned is the latest committed version (PostgreSQL re-reads
 * a row it had to lock), so its status is current.
 */
async function claimNextDue(tx: Tx, now: Date): Promise<ClaimedRow | undefined> {
  const [campaign] = await tx.$queryRaw<ClaimedRow[]>`
    SELECT id, brand_id, segment_id, status::text AS status, scheduled_at, send_window, updated_at, sent_at,
           cancelled_at
      FROM campaigns
     WHERE next_due_at <= ${now}
     ORDER BY next_due_at
     LIMIT 1
       FOR UPDATE SKIP LOCKED`;
  return campaign;
}

/** Steps and which have fired. A statement after the lock: it sees every commit that preceded it. */
const readSteps = (tx: Tx, campaignId: string): Promise<StepRow[]> => tx.$queryRaw<StepRow[]>`
  SELECT s.id, s.position, s.delay_minutes, s.template_id, s.template_version_id, s.variables,
         EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = s.campaign_id AND d.step_id = s.id) AS fired
    FROM campaign_steps s
   WHERE s.campaign_id = ${campaignId}
   ORDER BY s.position`;

/** Writes the plan: the deliveries, then the campaign's status and next due time, and the audit events. */
async function record(tx: Tx, campaign: ClaimedRow, plan: FiringPlan, now: Date): Promise<DeliveryRow[]> {
  const rows = plan.fire.map((due) => ({
    id: newId('delivery'),
    campaignId: campaign.id,
    stepId: due.stepId,
    position: due.position,
    dueAt: due.dueAt,
    firedAt: now,
  }));
  // The unique (campaign_id, step_id) index backs "at most once" even if the plan were wrong.
  if (rows.length > 0) await tx.delivery.createMany({ data: rows });
  const deliveries = rows.map(toDelivery);
  const firing = { campaignId: campaign.id, brandId: campaign.brand_id, plan, deliveries, now };
  if (plan.status === campaign.status) {
    // Only the next due time moves: not a change callers see (updated_at stays).
    await tx.campaign.update({
      where: { id: campaign.id },
      data: { nextDueAt: plan.nextDueAt },
      select: { id: true },
    });
    await auditFiring(tx, firing);
    return rows;
  }
  const after = await tx.campaign.update({
    where: { id: campaign.id },
    data: {
      nextDueAt: plan.nextDueAt,
      status: plan.status,
      // A new version, strictly after the one the claim read (API.md, Optimistic concurrency).
      updatedAt: nextVersionAt(now, campaign.updated_at),
      ...(plan.status === 'sent' ? { sentAt: now } : {}),
      ...(plan.status === 'cancelled' ? { cancelledAt: now } : {}),
    },
  });
  // Only these columns change, so the row before is the row after with the claimed values.
  const before = {
    ...after,
    status: campaign.status,
    updatedAt: campaign.updated_at,
    sentAt: campaign.sent_at,
    cancelledAt: campaign.cancelled_at,
  };
  await auditFiring(tx, { ...firing, transition: { before, after } });
  return rows;
}

const toSendRequests = (campaign: ClaimedRow, steps: StepRow[], rows: DeliveryRow[]): SendRequest[] => {
  const stepById = new Map(steps.map((s) => [s.id, s]));
  return rows.map((row) => {
    const step = stepById.get(row.stepId)!;
    return {
      delivery: toDelivery(row),
      brandId: campaign.brand_id,
      segmentId: campaign.segment_id,
      templateId: step.template_id,
      templateVersionId: step.template_version_id,
      variables: step.variables,
    };
  });
};

/** Whether any campaign is due: a lock-free look before starting firing transactions. */
export async function anythingDue(db: PrismaClient, now: Date): Promise<boolean> {
  const [row] = await db.$queryRaw<{ due: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM campaigns WHERE next_due_at <= ${now}) AS due`;
  return row?.due === true;
}

/** Fires the most overdue campaign, if any is due and not claimed by someone else; null when none is. */
export async function fireNextDue(options: FireOptions): Promise<Firing | Deferral | null> {
  let claimed: string | undefined;
  try {
    return await options.db.$transaction(
      async (tx): Promise<Firing | Deferral | null> => {
        const now = options.clock.now();
        const campaign = await claimNextDue(tx, now);
        if (!campaign) return null;
        claimed = campaign.id;
        await options.afterClaim?.(campaign.id);

        const steps = await readSteps(tx, campaign.id);
        let plan: FiringPlan;
        try {
          plan = planFiring({
            status: campaign.status,
            scheduledAt: campaign.scheduled_at,
            sendWindow: campaign.send_window,
            steps: steps.map((s) => ({
              id: s.id,
              position: s.position,
              delayMinutes: s.delay_minutes,
              fired: s.fired,
            })),
            now,
            maxLatenessMs: options.maxLatenessMs,
          });
        } catch (error) {
          // Set aside before the claim is let go, so no other lane or worker trips over it meanwhile.
          const retryAt = new Date(now.getTime() + options.retryAfterErrorMs);
          await tx.campaign.update({
            where: { id: campaign.id },
            data: { nextDueAt: retryAt },
            select: { id: true },
          });
          return { kind: 'deferred', campaignId: campaign.id, error, retryAt };
        }

        const rows = await record(tx, campaign, plan, now);
        const sends = toSendRequests(campaign, steps, rows);
        // The sender's outbox, in the firing transaction: a crash after the commit loses no hand-off.
        if (sends.length > 0) {
          const retryAt = new Date(now.getTime() + options.handOffGraceMs);
          await tx.senderOutbox.createMany({
            data: sends.map((request) => ({
              deliveryId: request.delivery.id,
              request: request as unknown as Prisma.InputJsonObject,
              createdAt: now,
              retryAt,
            })),
          });
        }
        return {
          kind: 'fired',
          campaignId: campaign.id,
          brandId: campaign.brand_id,
          scheduledAt: campaign.scheduled_at,
          now,
          plan,
          sends,
        };
      },
      { timeout: options.transactionTimeoutMs, maxWait: options.transactionTimeoutMs },
    );
  } catch (error) {
    throw new FiringError(claimed, error);
  }
}

/**
 * After a firing transaction failed (a database error: it rolled back), look at the campaign again
 * only after `retryAt`, so that a campaign that keeps failing cannot hold the head of the queue. Its
 * due times are unchanged (they derive from scheduled_at), so a retry fires the same steps, late. A
 * no-op if the firing did commit after all.
 */
export async function deferCampaign(
  db: PrismaClient,
  campaignId: string,
  now: Date,
  retryAt: Date,
): Promise<void> {
  await db.campaign.updateMany({
    where: { id: campaignId, nextDueAt: { lte: now } },
    data: { nextDueAt: retryAt },
  });
}
