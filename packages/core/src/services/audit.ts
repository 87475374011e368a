import {
  type ActorType,
  type AuditAction,
  type Campaign,
  type CampaignEvent,
  type CampaignEventPage,
  type Delivery,
  EVENT_LIMITS,
  type ListEventsInput,
  type Step,
} from '@campaigns/contract';
import { type AuditEvent as AuditEventRow, Prisma } from '@campaigns/db';
import { notFound } from '../domain/errors';
import { isPlausibleId, newId } from '../domain/ids';
import type { Tx } from './campaign-lock';
import { decodeOpaque, encodeOpaque, parseBigint } from './cursor';
import type { Actor, ServiceDeps } from './deps';

/** The actor recorded for the dispatcher's transitions (campaign.sending, campaign.sent). */
export const DISPATCHER_ACTOR = { type: 'system', id: 'dispatcher' } as const;

export interface AuditEventInput {
  campaignId: string;
  brandId: string;
  /** A caller (`{type: 'user', id: sub}`, see userActor) or a system component (DISPATCHER_ACTOR). */
  actor: { type: ActorType; id: string };
  action: AuditAction;
  /** The step concerned, for step.* actions. */
  stepId?: string | null;
  /** The API's Campaign or Step before the change; null for created/added/fired. */
  before: Campaign | Step | null;
  /** The API's Campaign, Step or Delivery after the change; null for step.removed. */
  after: Campaign | Step | Delivery | null;
  /** When the change happened: the same instant the change itself records (e.g. updated_at). */
  at: Date;
}

export const userActor = (actor: Actor) => ({ type: 'user', id: actor.sub }) as const;

// A snapshot is stored as JSON; null leaves the column SQL NULL.
const json = (snapshot: Campaign | Step | Delivery | null): Prisma.InputJsonObject | undefined =>
  snapshot === null ? undefined : (snapshot as unknown as Prisma.InputJsonObject);

/**
 * Appends one event to the audit trail. Call it with the transaction that makes the change, after the
 * campaign row is locked: the event commits or rolls back with the change, and a campaign's events are
 * ordered exactly as its changes committed.
 */
export async function appendEvent(tx: Tx, event: AuditEventInput): Promise<void> {
  await tx.auditEvent.create({ data: eventRow(event), select: { id: true } });
}

/** appendEvent for several events of one change, in one statement; they keep the order given. */
export async function appendEvents(tx: Tx, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length > 0) await tx.auditEvent.createMany({ data: events.map(eventRow) });
}

function eventRow(event: AuditEventInput) {
  const before = json(event.before);
  const after = json(event.after);
  return {
    id: newId('event'),
    brandId: event.brandId,
    campaignId: event.campaignId,
    stepId: event.stepId ?? null,
    action: event.action,
    actorType: event.actor.type,
    actor: event.actor.id,
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
    occurredAt: event.at,
  };
}

/**
 * appendEvent as SQL, for a statement that makes the change and records it at once (one round trip):
 * `INSERT … SELECT … FROM <source>` writes the event once per row of `source`, a CTE of that statement
 * (e.g. the rows an UPDATE changed), so that no event is written when the change did not happen. The
 * snapshots and the instant are SQL expressions over those rows (services/pipelined-change.ts).
 */
export function auditEventInsertSql(
  source: Prisma.Sql,
  event: {
    campaignId: string;
    actor: Actor;
    action: AuditAction;
    stepId?: string | null;
    before: Prisma.Sql;
    after: Prisma.Sql;
    at: Prisma.Sql;
  },
): Prisma.Sql {
  const actor = userActor(event.actor);
  return Prisma.sql`
    INSERT INTO audit_events
           (id, brand_id, campaign_id, step_id, action, actor_type, actor, before, after, occurred_at)
    SELECT ${newId('event')}, ${event.actor.brandId}, ${event.campaignId}, ${event.stepId ?? null}, ${event.action},
           ${actor.type}, ${actor.id}, ${event.before}, ${event.after}, ${event.at}
      FROM ${source}`;
}

const toEvent = (row: AuditEventRow): CampaignEvent => ({
  id: row.id,
  campaign_id: row.campaignId,
  step_id: row.stepId,
  action: row.action as AuditAction,
  actor_type: row.actorType as ActorType,
  actor: row.actor,
  occurred_at: row.occurredAt.toISOString(),
  before: row.before as Record<string, unknown> | null,
  after: row.after as Record<string, unknown> | null,
});

// Opaque to callers: the last event's seq (services/cursor.ts).
const encodeEventCursor = (seq: bigint): string => encodeOpaque(seq.toString());
const decodeEventCursor = (cursor: string): bigint => decodeOpaque(cursor, parseBigint);

/** A campaign's audit trail, oldest first, in keyset pages. */
export async function listEvents(
  deps: ServiceDeps,
  actor: Actor,
  input: ListEventsInput,
): Promise<CampaignEventPage> {
  if (!isPlausibleId(input.id)) throw notFound('Campaign');
  const limit = input.limit ?? EVENT_LIMITS.pageSizeDefault;
  const after = input.cursor === undefined ? undefined : decodeEventCursor(input.cursor);
  const campaign = await deps.db.campaign.findFirst({
    where: { id: input.id, brandId: actor.brandId },
    select: { id: true },
  });
  if (!campaign) throw notFound('Campaign');
  const rows = await deps.db.auditEvent.findMany({
    where: {
      campaignId: input.id,
      brandId: actor.brandId,
      ...(after !== undefined ? { seq: { gt: after } } : {}),
    },
    orderBy: { seq: 'asc' },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toEvent),
    next_cursor: rows.length > limit && last ? encodeEventCursor(last.seq) : null,
  };
}

/** The event of a caller's change to a campaign; it happened at the campaign's new updated_at. */
export const campaignEvent = (
  actor: Actor,
  action: AuditAction,
  before: Campaign | null,
  after: Campaign,
): AuditEventInput => ({
  campaignId: after.id,
  brandId: after.brand_id,
  actor: userActor(actor),
  action,
  before,
  after,
  at: new Date(after.updated_at),
});

/** The event of a caller's change to a step of one of its campaigns. */
export const stepEvent = (
  actor: Actor,
  action: AuditAction,
  campaignId: string,
  change: { before: Step | null; after: Step | null; at: Date },
): AuditEventInput => {
  const stepId = change.after?.id ?? change.before?.id ?? null;
  return { campaignId, brandId: actor.brandId, actor: userActor(actor), action, stepId, ...change };
};
