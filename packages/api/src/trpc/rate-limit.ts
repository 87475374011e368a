import { DomainError } from '@campaigns/core';
import type { Context } from '../context';

/** The policy's name in the RateLimit headers (IETF draft-ietf-httpapi-ratelimit-headers-10). */
const POLICY = 'per-token';

/**
 * The per-caller rate limit (docs/hardening.md): keyed by the verified token's brand and subject, or by
 * the client address for calls without a valid token. Every call sets `RateLimit-Policy` and `RateLimit`;
 * over the limit: 429 `rate_limited` with `Retry-After`.
 */
export async function enforceRateLimit(ctx: Context): Promise<void> {
  const limiter = ctx.rateLimiter;
  if (!limiter) return;
  const key = ctx.auth.ok
    ? `token ${JSON.stringify([ctx.auth.principal.brandId, ctx.auth.principal.sub])}`
    : `ip ${ctx.clientIp ?? 'unknown'}`;
  const decision = await limiter.take(key);
  if (ctx.responseHeaders) {
    ctx.responseHeaders['ratelimit-policy'] = `"${POLICY}";q=${limiter.perMinute};w=60`;
    ctx.responseHeaders.ratelimit = `"${POLICY}";r=${decision.remaining};t=${decision.resetSeconds}`;
  }
  if (decision.allowed) return;
  const seconds = decision.retryAfterSeconds;
  if (ctx.responseHeaders) ctx.responseHeaders['retry-after'] = String(seconds);
  throw new DomainError('rate_limited', `Too many requests; retry in ${seconds} s`, {
    retry_after_seconds: seconds,
  });
}
