import { Prisma, type PrismaClient, queryRows } from '@campaigns/db';

/**
 * The per-caller rate limit (docs/hardening.md, Rate limit): a token bucket per caller that holds
 * `perMinute` calls and refills at `perMinute` per minute. Two stores: the shared one (the default),
 * whose buckets live in PostgreSQL so that every process on the database draws from the same allowance,
 * and a per-process one.
 */
export type RateDecision =
  | { allowed: true; remaining: number; resetSeconds: number }
  | { allowed: false; remaining: 0; resetSeconds: number; retryAfterSeconds: number };

export interface RateLimiter {
  /** Calls per minute; the bucket's size. */
  readonly perMinute: number;
  /** Takes one call from `key`'s bucket, or says how long until one is available. */
  take(key: string): RateDecision | Promise<RateDecision>;
}

const perMsOf = (perMinute: number) => perMinute / 60_000;

/** Seconds until a bucket at `level` is full again, as the `t` of the RateLimit header. */
const secondsToFull = (level: number, perMinute: number) =>
  Math.max(0, Math.ceil((perMinute - level) / perMsOf(perMinute) / 1000));

/** Seconds until a bucket at `level` (< 1) holds one call again. */
const secondsToNext = (level: number, perMinute: number) =>
  Math.max(1, Math.ceil((1 - level) / perMsOf(perMinute) / 1000));

function assertPerMinute(perMinute: number): void {
  if (!Number.isInteger(perMinute) || perMinute < 1) throw new Error('perMinute must be a whole number ≥ 1');
}

interface Bucket {
  tokens: number;
  at: number;
}

export interface TokenBucketOptions {
  perMinute: number;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
}

/** How often full buckets are dropped (a full bucket is the same as no bucket). */
const SWEEP_EVERY_MS = 60_000;

/** Buckets in this process's memory: N processes allow N times the rate in total. */
export function createTokenBucketLimiter(options: TokenBucketOptions): RateLimiter {
  const capacity = options.perMinute;
  assertPerMinute(capacity);
  const now = options.now ?? (() => performance.now());
  const perMs = perMsOf(capacity);
  const buckets = new Map<string, Bucket>();
  let sweptAt = now();

  const level = (bucket: Bucket, t: number) => Math.min(capacity, bucket.tokens + (t - bucket.at) * perMs);

  function sweep(t: number): void {
    sweptAt = t;
    for (const [key, bucket] of buckets) if (level(bucket, t) >= capacity) buckets.delete(key);
  }

  return {
    perMinute: capacity,
    take(key) {
      const t = now();
      if (t - sweptAt >= SWEEP_EVERY_MS) sweep(t);
      const bucket = buckets.get(key);
      const tokens = bucket ? level(bucket, t) : capacity;
      if (tokens >= 1) {
        buckets.set(key, { tokens: tokens - 1, at: t });
        return {
          allowed: true,
          remaining: Math.floor(tokens - 1),
          resetSeconds: secondsToFull(tokens - 1, capacity),
        };
      }
      if (bucket) {
        bucket.tokens = tokens;
        bucket.at = t;
      }
      return {
        allowed: false,
        remaining: 0,
        resetSeconds: secondsToFull(tokens, capacity),
        retryAfterSeconds: secondsToNext(tokens, capacity),
      };
    },
  };
}

export interface SharedRateLimiterOptions {
  db: PrismaClient;
  perMinute: number;
  /** Calls leased from the shared bucket at once. Default perMinute / 50 (at least 1, at most 100). */
  chunk?: number;
  /** A leased call not used within this long is given up (never returned). Default 2 s. */
  leaseTtlMs?: number;
  /** While the database fails, calls are allowed (fail open) and it is asked again after this long. Default 1 s. */
  failOpenForMs?: number;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
}

/** What this process holds of one caller's shared bucket. */
interface Lease {
  /** Calls leased and not used yet. */
  tokens: number;
  /** The leased calls lapse then. */
  expiresAt: number;
  /** The shared bucket's level after the last lease, for `remaining`. */
  sharedLevel: number;
  /** Refused (the shared bucket was empty) until then; no database round trip meanwhile. */
  refusedUntil: number;
  /** A lease in flight, shared by the calls that wait for it. */
  leasing: Promise<void> | undefined;
}

interface LeaseRow {
  tokens: number;
  last_grant: number;
}

/**
 * The shared store: the bucket of each caller is a row of `rate_limit_buckets`, and a process leases
 * `chunk` calls at a time with one upsert that refills the row by the time elapsed and takes what it
 * can. Calls are then answered from the lease in memory, so the database sees one write per chunk, not
 * per request, and the limit holds across processes within (processes × chunk) calls. A refusal is
 * remembered until the bucket could hold a call again. If the database cannot be reached, calls are
 * allowed (fail open): the rate limit must never turn an outage into one of its own.
 */
export function createSharedRateLimiter(options: SharedRateLimiterOptions): RateLimiter {
  const { db, perMinute } = options;
  assertPerMinute(perMinute);
  const chunk = options.chunk ?? Math.min(100, Math.max(1, Math.floor(perMinute / 50)));
  const leaseTtlMs = options.leaseTtlMs ?? 2_000;
  const failOpenForMs = options.failOpenForMs ?? 1_000;
  const now = options.now ?? Date.now;
  const perSecond = perMinute / 60;
  const leases = new Map<string, Lease>();
  let failOpenUntil = 0;
  let sweptAt = now();

  function sweep(t: number): void {
    sweptAt = t;
    for (const [key, lease] of leases) {
      if (lease.leasing === undefined && lease.expiresAt <= t && lease.refusedUntil <= t) leases.delete(key);
    }
  }

  async function lease(key: string, state: Lease): Promise<void> {
    // One statement: refill by the time elapsed (capped at the bucket's size), grant up to `chunk`
    // whole calls, and say how many were granted and what is left.
    const level = Prisma.sql`LEAST(${perMinute}::float8, b.tokens
      + GREATEST(0, EXTRACT(EPOCH FROM (now() - b.refilled_at))) * ${perSecond}::float8)`;
    const [row] = await queryRows<LeaseRow>(
      db,
      Prisma.sql`
        INSERT INTO rate_limit_buckets AS b (key, tokens, refilled_at, last_grant)
        VALUES (${key}, ${perMinute - chunk}::float8, now(), ${chunk})
        ON CONFLICT (key) DO UPDATE
           SET tokens = ${level} - LEAST(${chunk}, GREATEST(0, FLOOR(${level}))),
               last_grant = LEAST(${chunk}, GREATEST(0, FLOOR(${level})))::int,
               refilled_at = GREATEST(b.refilled_at, now())
        RETURNING tokens, last_grant`,
    );
    const t = now();
    const granted = row?.last_grant ?? 0;
    state.sharedLevel = row?.tokens ?? 0;
    if (granted > 0) {
      state.tokens = granted;
      state.expiresAt = t + leaseTtlMs;
    } else {
      state.refusedUntil = t + secondsToNext(state.sharedLevel, perMinute) * 1000;
    }
  }

  const allowed = (state: Lease): RateDecision => {
    state.tokens -= 1;
    const level = state.tokens + state.sharedLevel;
    return { allowed: true, remaining: Math.floor(level), resetSeconds: secondsToFull(level, perMinute) };
  };
  const refused = (state: Lease, t: number): RateDecision => ({
    allowed: false,
    remaining: 0,
    resetSeconds: secondsToFull(state.sharedLevel, perMinute),
    retryAfterSeconds: Math.max(1, Math.ceil((state.refusedUntil - t) / 1000)),
  });
  const failOpen = (): RateDecision => ({ allowed: true, remaining: perMinute - 1, resetSeconds: 0 });

  return {
    perMinute,
    async take(key) {
      const t = now();
      if (t - sweptAt >= 10_000) sweep(t);
      let state = leases.get(key);
      if (state === undefined) {
        state = { tokens: 0, expiresAt: 0, sharedLevel: perMinute, refusedUntil: 0, leasing: undefined };
        leases.set(key, state);
      }
      // Calls wait for a lease in flight, then try again: at most a few laps under contention.
      for (let lap = 0; lap < 4; lap++) {
        const at = now();
        if (state.tokens >= 1 && state.expiresAt > at) return allowed(state);
        if (state.refusedUntil > at) return refused(state, at);
        if (failOpenUntil > at) return failOpen();
        if (state.leasing === undefined) {
          const current = state;
          state.tokens = 0;
          state.leasing = lease(key, current)
            .catch(() => {
              failOpenUntil = now() + failOpenForMs;
            })
            .finally(() => {
              current.leasing = undefined;
            });
        }
        await state.leasing;
      }
      return failOpen();
    },
  };
}

/** Deletes buckets idle for an hour (a bucket idle for a minute is full: the same as no row). */
export const purgeIdleRateLimitBuckets = (db: PrismaClient): Promise<number> =>
  db.$executeRaw`DELETE FROM rate_limit_buckets WHERE refilled_at < now() - interval '1 hour'`;
