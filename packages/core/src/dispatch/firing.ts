import type { Campaign, CampaignStatus, Delivery, SendWindow } from '@campaigns/contract';
import {
  type Campaign as CampaignRow,
  Prisma,
  type PrismaClient,
  type SqlRunner,
  withTransaction,
} from '@campaigns/db';
import type { Clock } from '../domain/clock';
import { newId } from '../domain/ids';
import { nextVersionAt } from '../domain/versions';
import type { AuditEventInput } from '../services/audit';
import { CAMPAIGN_COLUMNS } from '../services/campaign-lock';
import { toCampaign } from '../services/mappers';
import { firingEvents } from './audit';
import { type FiringPlan, planFiring } from './plan';
import type { SendRequest } from './sender';

/**
 * One firing transaction claims a batch of due campaigns and fires them all, in five round trips
 * whatever the batch size: BEGIN; claim (lock up to `limit` of the most overdue campaigns nobody else
 * holds); read their steps; one statement that records every delivery, moves every campaign, appends
 * every audit event and fills the sender's outbox; COMMIT.
 *
 * The claim is each campaign row's lock, taken with SKIP LOCKED so concurrent workers spread over
 * different campaigns instead of queueing. It is the same lock schedule/unschedule/cancel take
 * (services/campaign-lock.ts), so each of them happens wholly before or wholly after a firing. The
 * steps are read by a statement of their own, after the lock: READ COMMITTED gives it a snapshot in
 * which every change committed before the claim is visible (a subquery of the claim itself would not
 * see one committed while it ran). A crashed worker's locks die with its connection.
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

/** A firing transaction that failed (and rolled back) after claiming `campaignIds` (empty: before any claim). */
export class FiringError extends Error {
  override readonly name = 'FiringError';
  constructor(
    readonly campaignIds: readonly string[],
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export interface FireOptions {
  db: PrismaClient;
  clock: Clock;
  maxLatenessMs: number | null;
  /** Campaigns claimed per transaction. */
  limit: number;
  /** Only these campaigns (a failed batch retried one by one to find the one that fails). */
  only?: readonly string[];
  /** Bounds each statement of the firing transaction; a firing that hangs is rolled back and retried later. */
  transactionTimeoutMs: number;
  /** How long a campaign that cannot be fired is left alone. */
  retryAfterErrorMs: number;
  /** How long the firing process has to hand its deliveries to the sender before others may. */
  handOffGraceMs: number;
  /** Test seam: runs while the claim is held, before anything is recorded. */
  afterClaim?: (campaignId: string) => Promise<void>;
}

interface StepRow {
  campaign_id: string;
  id: string;
  position: number;
  delay_minutes: number;
  template_id: string;
  template_version_id: string;
  variables: Record<string, unknown>;
  fired: boolean;
}

/** What one transaction writes, set-based: each list becomes one CTE of the recording statement. */
interface Writes {
  deliveries: Delivery[];
  campaigns: Array<{
    id: string;
    next_due_at: Date | null;
    status: CampaignStatus;
    updated_at: Date;
    sent_at: Date | null;
    cancelled_at: Date | null;
  }>;
  events: ReturnType<typeof eventRow>[];
  outbox: Array<{ delivery_id: string; request: SendRequest; created_at: Date; retry_at: Date }>;
}

/**
 * Locks up to `limit` of the most overdue campaigns nobody else holds: a range scan of
 * campaigns_next_due_idx in due order, skipping locked rows. The rows returned are the latest committed
 * versions (PostgreSQL re-reads a row it had to lock), so their status is current.
 */
const claimDue = (sql: SqlRunner, now: Date, limit: number, only: readonly string[] | undefined) =>
  sql.query<CampaignRow>(Prisma.sql`
    SELECT ${CAMPAIGN_COLUMNS}
      FROM campaigns
     WHERE next_due_at <= ${now} ${only ? Prisma.sql`AND id = ANY(${only}::text[])` : Prisma.empty}
     ORDER BY next_due_at
     LIMIT ${limit}
       FOR UPDATE SKIP LOCKED`);

/** The claimed campaigns' steps and which have fired, in position order. */
const readSteps = (sql: SqlRunner, campaignIds: readonly string[]) =>
  sql.query<StepRow>(Prisma.sql`
    SELECT s.campaign_id, s.id, s.position, s.delay_minutes, s.template_id, s.template_version_id, s.variables,
           EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = s.campaign_id AND d.step_id = s.id) AS fired
      FROM campaign_steps s
     WHERE s.campaign_id = ANY(${campaignIds}::text[])
     ORDER BY s.campaign_id, s.position`);

/**
 * Every write of the batch in one statement. The unique (campaign_id, step_id) index backs "at most
 * once" even if a plan were wrong; the foreign keys are checked at the end of the statement, when the
 * deliveries the outbox rows refer to exist. Events keep their given order (their seq follows it).
 */
const recordAll = (sql: SqlRunner, writes: Writes) =>
  sql.query(Prisma.sql`
    WITH recorded AS (
      INSERT INTO deliveries (id, campaign_id, step_id, position, due_at, fired_at)
      SELECT id, campaign_id, step_id, position, due_at, fired_at
        FROM jsonb_to_recordset(${JSON.stringify(writes.deliveries)}::jsonb)
             AS d(id text, campaign_id text, step_id text, position int, due_at timestamptz, fired_at timestamptz)
    ), moved AS (
      UPDATE campaigns c
         SET next_due_at = m.next_due_at, status = m.status::campaign_status, updated_at = m.updated_at,
             sent_at = m.sent_at, cancelled_at = m.cancelled_at
        FROM jsonb_to_recordset(${JSON.stringify(writes.campaigns)}::jsonb)
             AS m(id text, next_due_at timestamptz, status text, updated_at timestamptz, sent_at timestamptz,
                  cancelled_at timestamptz)
       WHERE c.id = m.id
    ), audited AS (
      INSERT INTO audit_events (id, brand_id, campaign_id, step_id, action, actor_type, actor, before, after, occurred_at)
      SELECT id, brand_id, campaign_id, step_id, action, actor_type, actor, before, after, occurred_at
        FROM jsonb_to_recordset(${JSON.stringify(writes.events.map((event, n) => ({ ...event, n })))}::jsonb)
             AS e(id text, brand_id text, campaign_id text, step_id text, action text, actor_type text, actor text,
                  before jsonb, after jsonb, occurred_at timestamptz, n int)
       ORDER BY n
    )
    INSERT INTO sender_outbox (delivery_id, request, created_at, retry_at)
    SELECT delivery_id, request, created_at, retry_at
      FROM jsonb_to_recordset(${JSON.stringify(writes.outbox)}::jsonb)
           AS o(delivery_id text, request jsonb, created_at timestamptz, retry_at timestamptz)`);

const eventRow = (event: AuditEventInput) => ({
  id: newId('event'),
  brand_id: event.brandId,
  campaign_id: event.campaignId,
  step_id: event.stepId ?? null,
  action: event.action,
  actor_type: event.actor.type,
  actor: event.actor.id,
  before: event.before,
  after: event.after,
  occurred_at: event.at,
});

/** Plans one claimed campaign and adds its writes; a campaign whose state cannot be planned is set aside. */
function fireOne(
  campaign: CampaignRow,
  steps: readonly StepRow[],
  now: Date,
  options: FireOptions,
  writes: Writes,
): Firing | Deferral {
  const unchanged = {
    id: campaign.id,
    status: campaign.status,
    updated_at: campaign.updatedAt,
    sent_at: campaign.sentAt,
    cancelled_at: campaign.cancelledAt,
  };
  let plan: FiringPlan;
  try {
    plan = planFiring({
      status: campaign.status,
      scheduledAt: campaign.scheduledAt,
      sendWindow: campaign.sendWindow as SendWindow | null,
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
    writes.campaigns.push({ ...unchanged, next_due_at: retryAt });
    return { kind: 'deferred', campaignId: campaign.id, error, retryAt };
  }

  const stepById = new Map(steps.map((s) => [s.id, s]));
  const deliveries = plan.fire.map(
    (due): Delivery => ({
      id: newId('delivery'),
      campaign_id: campaign.id,
      step_id: due.stepId,
      position: due.position,
      due_at: due.dueAt.toISOString(),
      fired_at: now.toISOString(),
    }),
  );
  let transition: { before: Campaign; after: Campaign } | undefined;
  if (plan.status === campaign.status) {
    // Only the next due time moves: not a change callers see (updated_at stays).
    writes.campaigns.push({ ...unchanged, next_due_at: plan.nextDueAt });
  } else {
    const after: CampaignRow = {
      ...campaign,
      status: plan.status,
      nextDueAt: plan.nextDueAt,
      // A new version, strictly after the one the claim read (API.md, Optimistic concurrency).
      updatedAt: nextVersionAt(now, campaign.updatedAt),
      sentAt: plan.status === 'sent' ? now : campaign.sentAt,
      cancelledAt: plan.status === 'cancelled' ? now : campaign.cancelledAt,
    };
    writes.campaigns.push({
      id: campaign.id,
      next_due_at: after.nextDueAt,
      status: after.status,
      updated_at: after.updatedAt,
      sent_at: after.sentAt,
      cancelled_at: after.cancelledAt,
    });
    transition = { before: toCampaign(campaign), after: toCampaign(after) };
  }
  const events = firingEvents({
    campaignId: campaign.id,
    brandId: campaign.brandId,
    plan,
    deliveries,
    now,
    transition,
  });
  writes.deliveries.push(...deliveries);
  writes.events.push(...events.map(eventRow));

  const sends = deliveries.map((delivery): SendRequest => {
    const step = stepById.get(delivery.step_id)!;
    return {
      delivery,
      brandId: campaign.brandId,
      segmentId: campaign.segmentId,
      templateId: step.template_id,
      templateVersionId: step.template_version_id,
      variables: step.variables,
    };
  });
  // The sender's outbox, in the firing transaction: a crash after the commit loses no hand-off.
  const retryAt = new Date(now.getTime() + options.handOffGraceMs);
  for (const request of sends) {
    writes.outbox.push({ delivery_id: request.delivery.id, request, created_at: now, retry_at: retryAt });
  }
  return {
    kind: 'fired',
    campaignId: campaign.id,
    brandId: campaign.brandId,
    scheduledAt: campaign.scheduledAt,
    now,
    plan,
    sends,
  };
}

/** The earliest next_due_at of any campaign (null: nothing is scheduled): one index probe. */
export async function nextDueAt(db: PrismaClient): Promise<Date | null> {
  const [row] = await db.$queryRaw<{ at: Date | null }[]>`SELECT min(next_due_at) AS at FROM campaigns`;
  return row?.at ?? null;
}

/** Fires up to `limit` due campaigns nobody else holds, in one transaction; empty when none is due. */
export async function fireDue(options: FireOptions): Promise<Array<Firing | Deferral>> {
  let claimed: string[] = [];
  try {
    return await withTransaction(
      options.db,
      async (sql) => {
        const now = options.clock.now();
        const campaigns = await claimDue(sql, now, options.limit, options.only);
        if (campaigns.length === 0) return [];
        claimed = campaigns.map((c) => c.id);
        if (options.afterClaim) for (const id of claimed) await options.afterClaim(id);

        const stepsOf = new Map<string, StepRow[]>(claimed.map((id) => [id, []]));
        for (const step of await readSteps(sql, claimed)) stepsOf.get(step.campaign_id)?.push(step);
        const writes: Writes = { deliveries: [], campaigns: [], events: [], outbox: [] };
        const results = campaigns.map((c) => fireOne(c, stepsOf.get(c.id) ?? [], now, options, writes));
        await recordAll(sql, writes);
        return results;
      },
      { statementTimeoutMs: options.transactionTimeoutMs },
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
