import type { Logger, PrismaClient } from '@campaigns/db';
import { type Clock, systemClock } from '../domain/clock';
import { type Deferral, deferCampaign, type Firing, FiringError, fireDue, nextDueAt } from './firing';
import { createLoggingSender, type Sender, type SendRequest } from './sender';

export interface DispatcherOptions {
  db: PrismaClient;
  clock?: Clock;
  /** Default: one structured log line per fired step. */
  sender?: Sender;
  logger?: Logger;
  /** Longest pause between ticks when idle (it sleeps only until the next known due time). Default 1 s. */
  pollIntervalMs?: number;
  /** Firing transactions in flight at once (each holds one pooled connection). Default 4. */
  concurrency?: number;
  /** Campaigns claimed and fired per transaction. Default 25. */
  batchSize?: number;
  /** Cancel a campaign whose next step is overdue by more than this; null (default): send anyway. */
  maxLatenessMs?: number | null;
  /** Lateness above which a start or a firing is logged as a warning. Default 30 s. */
  warnLatenessMs?: number;
  /** How long a campaign whose firing failed is left alone before it is retried. Default 30 s. */
  retryAfterErrorMs?: number;
  /** Upper bound of each statement of a firing transaction. Default 10 s. */
  transactionTimeoutMs?: number;
  /** Test seam: runs inside the firing transaction, while the claim is held. */
  afterClaim?: (campaignId: string) => Promise<void>;
  /**
   * How long the process that fired a step has to hand it to the sender before any dispatcher hands
   * it off from the outbox instead (a crash between commit and hand-off). Default 30 s.
   */
  handOffGraceMs?: number;
}

export interface TickResult {
  /** Campaigns claimed and committed. */
  campaigns: number;
  /** Deliveries recorded. */
  fired: number;
  started: number;
  sent: number;
  cancelled: number;
  errors: number;
  /** Deliveries handed to the sender from the outbox (left over by a crash or a failing sender). */
  handedOffAgain: number;
}

const silent: Logger = { info() {}, warn() {}, error() {} };
/** Longest pause between ticks while the database fails: recovery after an outage takes at most this. */
const MAX_BACKOFF_MS = 5_000;
/** Pause when a due campaign is held by another process's firing. */
const BUSY_RETRY_MS = 50;

/**
 * Fires due campaign steps. Every process may run one (`pnpm start`, `pnpm worker`, any number of
 * each): they coordinate only through row locks in PostgreSQL, never through memory, so processes
 * can come, go or die at any moment without losing or doubling a step (docs/dispatch.md).
 */
export class Dispatcher {
  private readonly db: PrismaClient;
  private readonly clock: Clock;
  private readonly sender: Sender;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly maxLatenessMs: number | null;
  private readonly warnLatenessMs: number;
  private readonly retryAfterErrorMs: number;
  private readonly transactionTimeoutMs: number;
  private readonly afterClaim: DispatcherOptions['afterClaim'];
  private readonly handOffGraceMs: number;

  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(options: DispatcherOptions) {
    this.db = options.db;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silent;
    this.sender = options.sender ?? createLoggingSender(this.logger);
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.batchSize = Math.max(1, options.batchSize ?? 25);
    this.maxLatenessMs = options.maxLatenessMs ?? null;
    this.warnLatenessMs = options.warnLatenessMs ?? 30_000;
    this.retryAfterErrorMs = options.retryAfterErrorMs ?? 30_000;
    this.transactionTimeoutMs = options.transactionTimeoutMs ?? 10_000;
    this.afterClaim = options.afterClaim;
    this.handOffGraceMs = options.handOffGraceMs ?? 30_000;
  }

  /** Starts polling in the background. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /**
   * Takes no new claims, lets the firings in flight commit and reach the sender, then resolves. Locks
   * are released by those commits, so nothing is left claimed (SIGTERM path).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * Fires everything due now: `concurrency` lanes each claim and fire a batch of campaigns at a time
   * until none is due (or the dispatcher is stopping). Safe to call while the loop runs, and from tests.
   */
  async tick(): Promise<TickResult> {
    const result: TickResult = {
      campaigns: 0,
      fired: 0,
      started: 0,
      sent: 0,
      cancelled: 0,
      errors: 0,
      handedOffAgain: 0,
    };
    // Idle is the common case: one index probe per poll, not a transaction per lane.
    const next = await nextDueAt(this.db);
    if (next && next.getTime() <= this.clock.now().getTime()) {
      await Promise.all(Array.from({ length: this.concurrency }, () => this.lane(result)));
    }
    try {
      result.handedOffAgain = await this.handOffLeftovers();
    } catch (error) {
      result.errors++;
      this.logger.error({ err: error }, 'could not hand off left-over deliveries');
    }
    return result;
  }

  private async run(): Promise<void> {
    let failedTicks = 0;
    while (!this.stopping) {
      const result = await this.tick().catch((error: unknown) => {
        this.logger.error({ err: error }, 'dispatcher tick failed');
        return undefined;
      });
      failedTicks = result && result.errors === 0 ? 0 : failedTicks + 1;
      // Back off while the database is failing, so an outage is not a log flood.
      if (failedTicks > 0)
        await this.sleep(Math.min(MAX_BACKOFF_MS, this.pollIntervalMs * 2 ** Math.min(failedTicks, 10)));
      else await this.sleep(await this.idleFor());
    }
  }

  /** Until the next known due time, at most the poll interval (which bounds how late a new schedule is seen). */
  private async idleFor(): Promise<number> {
    const next = await nextDueAt(this.db).catch(() => null);
    const untilNext = next ? next.getTime() - this.clock.now().getTime() : Number.POSITIVE_INFINITY;
    // Due already, yet nothing was claimable: another process holds it for a firing that commits in
    // milliseconds. Look again soon rather than a whole poll later, or both may sleep past what is due.
    return Math.min(untilNext > 0 ? untilNext : BUSY_RETRY_MS, this.pollIntervalMs);
  }

  private async lane(result: TickResult): Promise<void> {
    while (!this.stopping) {
      let firings: Array<Firing | Deferral>;
      try {
        firings = await fireDue(this.fireOptions(this.batchSize));
      } catch (error) {
        // A database failure rolled the whole batch back. Fired one by one, the campaigns that do not
        // fail go on, and the one that does is set aside, so that it cannot hold the head of the queue.
        const claimed = error instanceof FiringError ? error.campaignIds : [];
        if (claimed.length <= 1) {
          result.errors++;
          await this.handleFailure(error);
          return;
        }
        firings = [];
        for (const id of claimed) {
          try {
            firings.push(...(await fireDue(this.fireOptions(1, [id]))));
          } catch (single) {
            result.errors++;
            await this.handleFailure(single);
          }
        }
      }
      if (firings.length === 0) return;
      const sends: SendRequest[] = [];
      for (const firing of firings) {
        if (firing.kind === 'deferred') {
          result.errors++;
          this.logger.error(
            { err: firing.error, campaign_id: firing.campaignId, retry_at: firing.retryAt.toISOString() },
            'campaign cannot be fired; set aside, will retry',
          );
          continue;
        }
        this.account(result, firing);
        this.logFiring(firing);
        sends.push(...firing.sends);
      }
      await this.sendAll(sends);
    }
  }

  private fireOptions(limit: number, only?: readonly string[]) {
    return {
      db: this.db,
      clock: this.clock,
      maxLatenessMs: this.maxLatenessMs,
      limit,
      ...(only ? { only } : {}),
      transactionTimeoutMs: this.transactionTimeoutMs,
      retryAfterErrorMs: this.retryAfterErrorMs,
      handOffGraceMs: this.handOffGraceMs,
      ...(this.afterClaim ? { afterClaim: this.afterClaim } : {}),
    };
  }

  private account(result: TickResult, { plan }: Firing): void {
    result.campaigns++;
    result.fired += plan.fire.length;
    if (plan.started) result.started++;
    if (plan.status === 'sent') result.sent++;
    if (plan.status === 'cancelled') result.cancelled++;
  }

  private logFiring({ campaignId, brandId, scheduledAt, now, plan }: Firing): void {
    const campaign = { campaign_id: campaignId, brand_id: brandId };
    if (plan.tooLate) {
      this.logger.warn(
        {
          ...campaign,
          reason: 'max_lateness_exceeded',
          lateness_ms: plan.tooLate.latenessMs,
          max_lateness_ms: plan.tooLate.maxLatenessMs,
        },
        'campaign cancelled: its next step is overdue by more than DISPATCH_MAX_LATENESS',
      );
      return;
    }
    if (plan.started && scheduledAt) {
      const latenessMs = now.getTime() - scheduledAt.getTime();
      const late = latenessMs > this.warnLatenessMs;
      this.logger[late ? 'warn' : 'info'](
        { ...campaign, scheduled_at: scheduledAt.toISOString(), lateness_ms: latenessMs },
        late ? 'campaign found late: started sending after its scheduled time' : 'campaign started sending',
      );
    }
    const first = plan.fire[0];
    if (first && now.getTime() - first.dueAt.getTime() > this.warnLatenessMs) {
      this.logger.warn(
        {
          ...campaign,
          steps: plan.fire.length,
          position: first.position,
          lateness_ms: now.getTime() - first.dueAt.getTime(),
        },
        'steps fired late',
      );
    }
    if (plan.status === 'sent') this.logger.info(campaign, 'campaign sent');
  }

  /**
   * Hands committed deliveries to the sender, then takes the ones it took off the sender's outbox, in
   * one statement. A failing sender leaves its delivery there, to be handed off again later (at least
   * once; the delivery id is the idempotency key a channel passes on). The record itself never changes.
   */
  private async sendAll(requests: readonly SendRequest[]): Promise<void> {
    if (requests.length === 0) return;
    const taken: string[] = [];
    const failed: string[] = [];
    const retryAt = new Date(this.clock.now().getTime() + this.retryAfterErrorMs);
    for (const request of requests) {
      const deliveryId = request.delivery.id;
      try {
        await this.sender.send(request);
        taken.push(deliveryId);
      } catch (error) {
        failed.push(deliveryId);
        this.logger.error(
          { err: error, delivery_id: deliveryId, retry_at: retryAt.toISOString() },
          'sender failed; the delivery stays recorded and is handed off again later',
        );
      }
    }
    if (taken.length > 0 && this.sender.flush) {
      try {
        await this.sender.flush();
      } catch (error) {
        this.logger.error(
          { err: error, deliveries: taken.length, retry_at: retryAt.toISOString() },
          'sender could not flush; the deliveries stay recorded and are handed off again later',
        );
        failed.push(...taken.splice(0));
      }
    }
    if (failed.length > 0) {
      await this.db.senderOutbox
        .updateMany({ where: { deliveryId: { in: failed } }, data: { attempts: { increment: 1 }, retryAt } })
        .catch(() => undefined);
    }
    if (taken.length > 0) {
      await this.db.$executeRaw`DELETE FROM sender_outbox WHERE delivery_id = ANY(${taken}::text[])`.catch(
        (error: unknown) => {
          // Left in the outbox: handed off once more later, which the idempotency key makes harmless.
          this.logger.warn({ err: error, deliveries: taken.length }, 'could not clear the sender outbox');
        },
      );
    }
  }

  /**
   * Deliveries whose hand-off did not happen (their process died after the commit, or the sender
   * failed): leased for the grace period with SKIP LOCKED, so two dispatchers never take the same one,
   * then handed off. Returns how many.
   */
  async handOffLeftovers(): Promise<number> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.handOffGraceMs);
    const leftovers = await this.db.$queryRaw<Array<{ request: SendRequest }>>`
      UPDATE sender_outbox SET retry_at = ${leaseUntil}
       WHERE delivery_id IN (SELECT delivery_id FROM sender_outbox WHERE retry_at <= ${now}
                              ORDER BY retry_at LIMIT 100 FOR UPDATE SKIP LOCKED)
      RETURNING request`;
    await this.sendAll(leftovers.map((l) => l.request));
    return leftovers.length;
  }

  private async handleFailure(error: unknown): Promise<void> {
    const campaignId = error instanceof FiringError ? error.campaignIds[0] : undefined;
    const cause = error instanceof FiringError ? error.cause : error;
    if (campaignId === undefined) {
      this.logger.error({ err: cause }, 'dispatcher could not claim work');
      return;
    }
    const now = this.clock.now();
    const retryAt = new Date(now.getTime() + this.retryAfterErrorMs);
    this.logger.error(
      { err: cause, campaign_id: campaignId, retry_at: retryAt.toISOString() },
      'firing failed and was rolled back; will retry',
    );
    await deferCampaign(this.db, campaignId, now, retryAt).catch((deferError: unknown) =>
      this.logger.error({ err: deferError, campaign_id: campaignId }, 'could not defer the failed campaign'),
    );
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
