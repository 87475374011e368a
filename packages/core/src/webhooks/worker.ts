import { WEBHOOK_LIMITS } from '@campaigns/contract';
import { type Logger, Prisma, type PrismaClient, queryRows } from '@campaigns/db';
import { Webhook as Signer } from 'standardwebhooks';
import { type Clock, systemClock } from '../domain/clock';
import { newId } from '../domain/ids';
import { readFeed } from '../services/event-feed';
import { postWebhook } from './post';

/**
 * Webhook delivery (API.md, Webhooks; docs/events.md), run by every dispatcher process. Two steps per
 * tick, each safe with any number of processes:
 *
 * 1. **Fan-out:** the event feed after the fan-out position (one row, locked with SKIP LOCKED by the
 *    one process doing it) becomes one delivery per subscribed endpoint, in the same transaction that
 *    moves the position: every event is fanned out exactly once.
 * 2. **Delivery:** due deliveries are leased (an UPDATE that re-checks the lease, so two workers never
 *    hold one), at most `perEndpoint` per endpoint in flight in a process, and POSTed, signed; the
 *    outcome is recorded (one statement) and a failure is scheduled again. A finished request starts
 *    the next claim at once, so a busy queue is not paced by the poll interval. A worker that dies mid-request loses its lease when it runs out, and
 *    another worker sends the same event again with the same `webhook-id`: at least once.
 */

/** Default retry schedule after the first attempt (API.md): about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE_MS = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

export interface WebhookWorkerOptions {
  db: PrismaClient;
  clock?: Clock;
  logger?: Logger;
  retryScheduleMs?: readonly number[];
  allowPrivateUrls?: boolean;
  pollIntervalMs?: number;
  /** Requests in flight at once in this process. Default 32. */
  concurrency?: number;
  /**
   * Requests in flight to one endpoint in this process. Default 8: a slow endpoint holds at most this
   * many of the process's slots, never all of them.
   */
  perEndpoint?: number;
  timeoutMs?: number;
}

interface Claimed {
  id: string;
  endpoint_id: string;
  event_id: string;
  payload: unknown;
  attempts: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  failing_since: Date | null;
  leased_until: Date;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

export class WebhookWorker {
  private readonly db: PrismaClient;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly schedule: readonly number[];
  private readonly allowPrivate: boolean;
  private readonly pollIntervalMs: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly perEndpoint: number;
  private readonly inFlightByEndpoint = new Map<string, number>();
  private kicked: (() => void) | undefined;

  constructor(options: WebhookWorkerOptions) {
    this.db = options.db;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silent;
    this.schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.allowPrivate = options.allowPrivateUrls ?? false;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.concurrency = options.concurrency ?? 32;
    this.perEndpoint = options.perEndpoint ?? 8;
    this.timeoutMs = options.timeoutMs ?? WEBHOOK_LIMITS.timeoutMs;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    await Promise.allSettled([...this.inFlight]);
  }

  private async loop(): Promise<void> {
    let fannedOutAt = 0;
    while (!this.stopping) {
      try {
        // Fan-out on the poll interval; claims also whenever a request finished.
        if (Date.now() - fannedOutAt >= this.pollIntervalMs) {
          fannedOutAt = Date.now();
          await this.fanOut();
        }
        await this.startDue();
      } catch (error) {
        this.logger.warn({ err: error }, 'webhook tick failed');
      }
      // The poll interval, or sooner when a request finished (more may be due).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollIntervalMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.kicked = done;
      });
      this.kicked = undefined;
    }
  }

  /** One round: fan out what is new, then start what is due (not waiting for it to finish). */
  async tick(): Promise<{ fannedOut: number; started: number }> {
    const fannedOut = await this.fanOut();
    const started = await this.startDue();
    return { fannedOut, started };
  }

  /** Waits for every request started so far: for tests. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async fanOut(): Promise<number> {
    return this.db.$transaction(async (tx) => {
      const [cursor] = await tx.$queryRaw<Array<{ tx_id: bigint; seq: bigint }>>`
        SELECT tx_id, seq FROM webhook_fanout WHERE id = 1 FOR UPDATE SKIP LOCKED`;
      if (!cursor) return 0;
      const after = { txId: BigInt(cursor.tx_id), seq: BigInt(cursor.seq) };
      const entries = await readFeed({ query: (sql) => tx.$queryRaw(sql) }, { after, limit: 500 });
      const last = entries.at(-1);
      if (!last) return 0;
      const brands = [...new Set(entries.map((entry) => entry.event.brand_id))];
      const endpoints = await tx.webhookEndpoint.findMany({
        where: { brandId: { in: brands }, status: 'enabled', deletedAt: null },
        select: { id: true, brandId: true, events: true },
      });
      const now = this.clock.now();
      const deliveries = entries.flatMap(({ event }) =>
        endpoints
          .filter(
            (e) => e.brandId === event.brand_id && (e.events.includes('*') || e.events.includes(event.type)),
          )
          .map((endpoint) => ({
            id: newId('webhookDelivery'),
            endpointId: endpoint.id,
            eventId: event.id,
            eventType: event.type,
            payload: event as unknown as Prisma.InputJsonObject,
            nextAttemptAt: now,
            createdAt: now,
          })),
      );
      if (deliveries.length > 0) await tx.webhookDelivery.createMany({ data: deliveries });
      await tx.webhookFanout.update({
        where: { id: 1 },
        data: { txId: last.position.txId, seq: last.position.seq },
      });
      return deliveries.length;
    });
  }

  private async startDue(): Promise<number> {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const now = this.clock.now();
    const leasedUntil = new Date(now.getTime() + this.timeoutMs * 3);
    // Endpoints this process already has `perEndpoint` requests in flight to are left out.
    const busy = [...this.inFlightByEndpoint].filter(([, n]) => n >= this.perEndpoint).map(([id]) => id);
    // Candidates: due, of a live endpoint, oldest first, at most `perEndpoint` per endpoint. The UPDATE
    // re-checks the lease on the row it locks, so a row two workers pick goes to one of them.
    const claimed = await queryRows<Claimed>(
      this.db,
      Prisma.sql`
        WITH oldest AS (
          -- A range scan of webhook_deliveries_due_idx: the window below ranks only these rows.
          SELECT d.id, d.endpoint_id, d.next_attempt_at
            FROM webhook_deliveries d
           WHERE d.next_attempt_at <= ${now} AND d.status = 'pending'
             AND (d.leased_until IS NULL OR d.leased_until <= ${now})
             ${busy.length > 0 ? Prisma.sql`AND d.endpoint_id <> ALL(${busy})` : Prisma.empty}
           ORDER BY d.next_attempt_at
           LIMIT ${free * 4}),
        due AS (
          SELECT id, endpoint_id, next_attempt_at,
                 row_number() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at) AS rank
            FROM oldest),
        candidates AS (
          SELECT due.id FROM due JOIN webhook_endpoints e ON e.id = due.endpoint_id
           WHERE due.rank <= ${this.perEndpoint} AND e.status = 'enabled' AND e.deleted_at IS NULL
           ORDER BY due.next_attempt_at
           LIMIT ${free})
        UPDATE webhook_deliveries d SET leased_until = ${leasedUntil}
          FROM candidates c, webhook_endpoints e
         WHERE d.id = c.id AND e.id = d.endpoint_id AND d.status = 'pending'
           AND (d.leased_until IS NULL OR d.leased_until <= ${now})
        RETURNING d.id, d.endpoint_id, d.event_id, d.payload, d.attempts, e.url, e.secret, e.previous_secret,
                  e.previous_secret_until, e.failing_since, d.leased_until`,
    );
    for (const delivery of claimed) {
      const endpoint = delivery.endpoint_id;
      this.inFlightByEndpoint.set(endpoint, (this.inFlightByEndpoint.get(endpoint) ?? 0) + 1);
      const work = this.deliver(delivery).catch((error: unknown) => {
        this.logger.warn({ err: error, delivery_id: delivery.id }, 'webhook delivery failed to record');
      });
      this.inFlight.add(work);
      void work.finally(() => {
        this.inFlight.delete(work);
        const left = (this.inFlightByEndpoint.get(endpoint) ?? 1) - 1;
        if (left > 0) this.inFlightByEndpoint.set(endpoint, left);
        else this.inFlightByEndpoint.delete(endpoint);
        this.kicked?.();
      });
    }
    return claimed.length;
  }

  private signatures(delivery: Claimed, body: string, at: Date): string {
    const secrets = [delivery.secret];
    if (delivery.previous_secret && delivery.previous_secret_until && delivery.previous_secret_until > at) {
      secrets.push(delivery.previous_secret);
    }
    return secrets.map((secret) => new Signer(secret).sign(delivery.event_id, at, body)).join(' ');
  }

  private async deliver(delivery: Claimed): Promise<void> {
    const body = JSON.stringify(delivery.payload);
    const at = this.clock.now();
    const outcome = await postWebhook(
      delivery.url,
      {
        'content-type': 'application/json',
        'user-agent': 'messaging-campaigns-webhooks/1',
        'webhook-id': delivery.event_id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': this.signatures(delivery, body, at),
      },
      body,
      { timeoutMs: this.timeoutMs, allowPrivate: this.allowPrivate },
    );
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const attempt = delivery.attempts + 1;
    const now = this.clock.now();
    const retryIn = ok ? undefined : this.schedule[attempt - 1];
    const nextRetryAt = retryIn === undefined ? null : new Date(now.getTime() + jitter(retryIn));
    const status = ok ? 'delivered' : nextRetryAt ? 'pending' : 'failed';
    const error = ok ? null : (outcome.error ?? `HTTP ${outcome.statusCode}`);
    const failingSince = ok ? null : (delivery.failing_since ?? now);
    const disable =
      failingSince !== null && now.getTime() - failingSince.getTime() >= WEBHOOK_LIMITS.disableAfterMs;
    // One statement (one round trip, one commit): the attempt, the delivery's state — only while the
    // lease is still ours; after it ran out another worker owns the delivery — and the endpoint's
    // health when it changes.
    const touchEndpoint = ok ? delivery.failing_since !== null : delivery.failing_since === null || disable;
    await queryRows(
      this.db,
      Prisma.sql`
        WITH attempt AS (
          INSERT INTO webhook_attempts
                 (id, delivery_id, endpoint_id, attempt, status_code, error, duration_ms, attempted_at, next_retry_at)
          VALUES (${newId('webhookAttempt')}, ${delivery.id}, ${delivery.endpoint_id}, ${attempt}, ${outcome.statusCode},
                  ${error}, ${outcome.durationMs}, ${at}, ${nextRetryAt})),
        outcome AS (
          UPDATE webhook_deliveries
             SET status = ${status}, attempts = ${attempt}, next_attempt_at = ${nextRetryAt}, leased_until = NULL
           WHERE id = ${delivery.id} AND leased_until = ${delivery.leased_until})
        ${
          touchEndpoint
            ? Prisma.sql`, health AS (
          UPDATE webhook_endpoints
             SET failing_since = ${failingSince}
                 ${disable ? Prisma.sql`, status = 'disabled', disabled_reason = 'Every delivery failed for 5 days', updated_at = ${now}` : Prisma.empty}
           WHERE id = ${delivery.endpoint_id})`
            : Prisma.empty
        }
        SELECT 1 AS done`,
    );
  }
}

/** ±10 %, so that many failed deliveries do not all come back at the same instant. */
const jitter = (ms: number) => Math.round(ms * (0.9 + Math.random() * 0.2));
