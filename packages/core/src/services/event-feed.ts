import {
  type ActorType,
  type AuditAction,
  FEED_LIMITS,
  type FeedEvent,
  type FeedPage,
  type ListFeedInput,
} from '@campaigns/contract';
import { Prisma, type PrismaClient, queryRows } from '@campaigns/db';
import { validationFailed } from '../domain/errors';
import { isPlausibleId } from '../domain/ids';
import { decodeOpaque, encodeOpaque, parseBigint } from './cursor';
import type { Actor, ServiceDeps } from './deps';

/**
 * The event feed (docs/events.md): the audit trail read as events, in (tx_id, seq) order and only below
 * the watermark pg_snapshot_xmin(pg_current_snapshot()) — the oldest transaction still running. Every
 * event a later read can see has a tx_id at or above the watermark of any earlier read, so a reader
 * that continues from its position never skips an event, even one whose transaction started before
 * and committed after the events it has already seen.
 */

/** A position in the feed: the (tx_id, seq) of the last event read. */
export interface FeedPosition {
  txId: bigint;
  seq: bigint;
}

interface FeedRow {
  id: string;
  seq: bigint;
  tx_id: bigint;
  brand_id: string;
  campaign_id: string;
  action: AuditAction;
  actor_type: ActorType;
  actor: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  occurred_at: Date;
  /** The latest campaign.* snapshot of this campaign at or before this event. */
  campaign: Record<string, unknown> | null;
}

/** Runs one statement: on the pool (`onPool`), or inside a caller's transaction (the webhook fan-out). */
export interface FeedReader {
  query<R>(sql: Prisma.Sql): Promise<R[]>;
}
export const onPool = (db: PrismaClient): FeedReader => ({ query: (sql) => queryRows(db, sql) });

const WATERMARK = Prisma.sql`(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)`;

/** The feed after `after`, below the watermark, of one brand (and optionally one campaign). */
export async function readFeed(
  db: FeedReader,
  filter: { brandId?: string; campaignId?: string; after?: FeedPosition; limit: number },
): Promise<Array<{ event: FeedEvent; position: FeedPosition }>> {
  const conditions = [Prisma.sql`e.tx_id < ${WATERMARK}`];
  if (filter.brandId !== undefined) conditions.push(Prisma.sql`e.brand_id = ${filter.brandId}`);
  if (filter.campaignId !== undefined) conditions.push(Prisma.sql`e.campaign_id = ${filter.campaignId}`);
  if (filter.after)
    conditions.push(Prisma.sql`(e.tx_id, e.seq) > (${filter.after.txId}, ${filter.after.seq})`);
  const sql = Prisma.sql`
      SELECT e.id, e.seq, e.tx_id, e.brand_id, e.campaign_id, e.action, e.actor_type, e.actor, e.before,
             e.after, e.occurred_at,
             (SELECT p.after FROM audit_events p
               WHERE p.campaign_id = e.campaign_id AND p.seq <= e.seq AND p.action LIKE 'campaign.%'
                 AND p.after IS NOT NULL
               ORDER BY p.seq DESC LIMIT 1) AS campaign
        FROM audit_events e
       WHERE ${Prisma.join(conditions, ' AND ')}
       ORDER BY e.tx_id, e.seq
       LIMIT ${filter.limit}`;
  // On the pool (queryRows), or inside the caller's transaction (the webhook fan-out).
  const rows = await db.query<FeedRow>(sql);
  return rows.map((row) => ({
    event: toFeedEvent(row),
    position: { txId: BigInt(row.tx_id), seq: BigInt(row.seq) },
  }));
}

/** One payload shape on every channel (API.md, Events). */
function toFeedEvent(row: FeedRow): FeedEvent {
  const data: FeedEvent['data'] = {};
  if (row.action.startsWith('campaign.')) {
    data.campaign = row.after ?? row.before;
  } else if (row.action.startsWith('step.')) {
    // A step change moves only the campaign's updated_at, to the instant of the change.
    data.campaign = row.campaign ? { ...row.campaign, updated_at: row.occurred_at.toISOString() } : null;
    const step = row.after ?? row.before;
    if (step) data.step = step;
  } else {
    data.campaign = row.campaign;
    if (row.after) data.delivery = row.after;
  }
  return {
    id: row.id,
    type: row.action,
    created_at: row.occurred_at.toISOString(),
    brand_id: row.brand_id,
    actor: { type: row.actor_type, id: row.actor },
    data,
  };
}

// Opaque to callers: "<tx_id>.<seq>" (services/cursor.ts).
export const encodeFeedCursor = (position: FeedPosition): string =>
  encodeOpaque(`${position.txId}.${position.seq}`);

export const decodeFeedCursor = (cursor: string, field = 'cursor'): FeedPosition =>
  decodeOpaque(
    cursor,
    (key) => {
      const [txId, seq, ...rest] = key.split('.').map(parseBigint);
      return txId !== undefined && seq !== undefined && rest.length === 0 ? { txId, seq } : undefined;
    },
    field,
  );

/** Where an event of this brand stands in the feed (a stream's Last-Event-ID); unknown ids are 400. */
export async function positionOfEvent(
  db: PrismaClient,
  brandId: string,
  eventId: string,
): Promise<FeedPosition> {
  const rows = isPlausibleId(eventId)
    ? await queryRows<{ tx_id: bigint; seq: bigint }>(
        db,
        Prisma.sql`SELECT tx_id, seq FROM audit_events WHERE id = ${eventId} AND brand_id = ${brandId}`,
      )
    : [];
  const row = rows[0];
  if (!row) {
    throw validationFailed(
      [{ path: ['Last-Event-ID'], message: 'Unknown event id' }],
      'Unknown Last-Event-ID',
    );
  }
  return { txId: BigInt(row.tx_id), seq: BigInt(row.seq) };
}

/** events.list: a page of the brand's feed. */
export async function listFeed(deps: ServiceDeps, actor: Actor, input: ListFeedInput): Promise<FeedPage> {
  // An id the service never issues names no campaign: an empty feed, without a query.
  if (input.campaign_id !== undefined && !isPlausibleId(input.campaign_id))
    return { items: [], next_cursor: null };
  const after = input.cursor === undefined ? undefined : decodeFeedCursor(input.cursor);
  const page = await readFeed(onPool(deps.db), {
    brandId: actor.brandId,
    ...(input.campaign_id !== undefined ? { campaignId: input.campaign_id } : {}),
    ...(after ? { after } : {}),
    limit: input.limit ?? FEED_LIMITS.pageSizeDefault,
  });
  const last = page.at(-1)?.position ?? after;
  return { items: page.map((entry) => entry.event), next_cursor: last ? encodeFeedCursor(last) : null };
}

/**
 * Wakes the live streams of this process when their brand has new events: one poll of the feed's
 * tail every `intervalMs` while anyone waits, for all streams together (not a query per stream). Not
 * LISTEN/NOTIFY: a NOTIFY takes a database-wide lock at every commit that sends one, which would
 * serialize every change of every campaign (docs/events.md).
 */
export class FeedHub {
  private readonly waiters = new Map<string, Set<() => void>>();
  private position: FeedPosition | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Set by close(): every stream of this process ends (the server is shutting down). */
  closed = false;
  private readonly open = new Map<string, number>();

  constructor(
    private readonly db: PrismaClient,
    private readonly intervalMs = 200,
  ) {}

  /** Resolves when the brand may have new events, after `maxWaitMs` at most, or when `signal` aborts. */
  wait(brandId: string, signal: AbortSignal, maxWaitMs = 1_000): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.waiters.get(brandId) ?? new Set<() => void>();
      this.waiters.set(brandId, waiters);
      const done = () => {
        clearTimeout(timeout);
        signal.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0) this.waiters.delete(brandId);
        if (this.waiters.size === 0) this.stop();
        resolve();
      };
      const timeout = setTimeout(done, maxWaitMs);
      signal.addEventListener('abort', done, { once: true });
      waiters.add(done);
      this.start();
    });
  }

  /**
   * Takes one of `caller`'s stream slots in this process, or returns undefined when it already holds
   * `limit`: a client that opens streams without closing them cannot hold the process's connections.
   * The returned function gives the slot back (once, however often it is called).
   */
  acquireStream(caller: string, limit: number): (() => void) | undefined {
    const held = this.open.get(caller) ?? 0;
    if (held >= limit) return undefined;
    this.open.set(caller, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(caller) ?? 1) - 1;
      if (left > 0) this.open.set(caller, left);
      else this.open.delete(caller);
    };
  }

  close(): void {
    this.closed = true;
    this.stop();
    for (const waiters of this.waiters.values()) for (const wake of [...waiters]) wake();
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.position = undefined;
  }

  private async poll(): Promise<void> {
    if (this.position === undefined) {
      const [tail] = await queryRows<{ tx_id: bigint; seq: bigint }>(
        this.db,
        Prisma.sql`SELECT tx_id, seq FROM audit_events WHERE tx_id < ${WATERMARK} ORDER BY tx_id DESC, seq DESC LIMIT 1`,
      );
      this.position = tail ? { txId: BigInt(tail.tx_id), seq: BigInt(tail.seq) } : { txId: 0n, seq: 0n };
      return;
    }
    const rows = await queryRows<{ brand_id: string; tx_id: bigint; seq: bigint }>(
      this.db,
      Prisma.sql`
        SELECT brand_id, tx_id, seq FROM audit_events
         WHERE (tx_id, seq) > (${this.position.txId}, ${this.position.seq}) AND tx_id < ${WATERMARK}
         ORDER BY tx_id, seq LIMIT 1000`,
    );
    const last = rows.at(-1);
    if (!last || !this.timer) return;
    this.position = { txId: BigInt(last.tx_id), seq: BigInt(last.seq) };
    for (const brandId of new Set(rows.map((row) => row.brand_id))) {
      for (const wake of [...(this.waiters.get(brandId) ?? [])]) wake();
    }
  }
}

/**
 * A live stream: the brand's feed from `after` (or from now), forever, until `signal` aborts. Each
 * batch is read below the watermark, so the stream is in feed order with nothing skipped.
 */
export async function* followFeed(
  deps: { db: PrismaClient; feedHub?: FeedHub },
  filter: { brandId: string; campaignId?: string; after?: FeedPosition; signal: AbortSignal },
): AsyncGenerator<{ event: FeedEvent; position: FeedPosition }> {
  let after = filter.after ?? (await feedTail(deps.db));
  const hub = deps.feedHub ?? new FeedHub(deps.db);
  while (!filter.signal.aborted && !hub.closed) {
    const batch = await readFeed(onPool(deps.db), {
      brandId: filter.brandId,
      ...(filter.campaignId !== undefined ? { campaignId: filter.campaignId } : {}),
      ...(after ? { after } : {}),
      limit: FEED_LIMITS.pageSizeMax,
    });
    for (const entry of batch) {
      yield entry;
      after = entry.position;
    }
    if (batch.length < FEED_LIMITS.pageSizeMax) await hub.wait(filter.brandId, filter.signal);
  }
}

/** The feed's current end: a stream without Last-Event-ID starts after it. */
async function feedTail(db: PrismaClient): Promise<FeedPosition | undefined> {
  const [tail] = await queryRows<{ tx_id: bigint; seq: bigint }>(
    db,
    Prisma.sql`SELECT tx_id, seq FROM audit_events WHERE tx_id < ${WATERMARK} ORDER BY tx_id DESC, seq DESC LIMIT 1`,
  );
  return tail ? { txId: BigInt(tail.tx_id), seq: BigInt(tail.seq) } : undefined;
}
