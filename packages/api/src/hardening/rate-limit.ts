/**
 * A per-process token bucket per caller (docs/hardening.md, Rate limit): each caller may make
 * `perMinute` calls in a burst, and gets one more every 60/perMinute seconds. State lives in this
 * process only: N server processes allow N times the rate in total.
 */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Takes one call from `key`'s bucket, or says how long until one is available. */
  take(key: string): RateDecision;
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

export function createTokenBucketLimiter(options: TokenBucketOptions): RateLimiter {
  const capacity = options.perMinute;
  if (!Number.isFinite(capacity) || capacity < 1) throw new Error('perMinute must be at least 1');
  const now = options.now ?? (() => performance.now());
  const perMs = capacity / 60_000;
  const buckets = new Map<string, Bucket>();
  let sweptAt = now();

  const level = (bucket: Bucket, t: number) => Math.min(capacity, bucket.tokens + (t - bucket.at) * perMs);

  function sweep(t: number): void {
    sweptAt = t;
    for (const [key, bucket] of buckets) if (level(bucket, t) >= capacity) buckets.delete(key);
  }

  return {
    take(key) {
      const t = now();
      if (t - sweptAt >= SWEEP_EVERY_MS) sweep(t);
      const bucket = buckets.get(key);
      const tokens = bucket ? level(bucket, t) : capacity;
      if (tokens >= 1) {
        buckets.set(key, { tokens: tokens - 1, at: t });
        return { allowed: true };
      }
      if (bucket) {
        bucket.tokens = tokens;
        bucket.at = t;
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    },
  };
}
