import type { Context } from '../context';
import { DomainError } from '../domain/errors';

/**
 * The per-caller rate limit (docs/hardening.md): keyed by the verified token's brand and subject, or by
 * the client address for calls without a valid token. Over it: 429 `rate_limited` with `Retry-After`.
 */
export function enforceRateLimit(ctx: Context): void {
  if (!ctx.rateLimiter) return;
  const key = ctx.auth.ok
    ? `token ${JSON.stringify([ctx.auth.principal.brandId, ctx.auth.principal.sub])}`
    : `ip ${ctx.clientIp ?? 'unknown'}`;
  const decision = ctx.rateLimiter.take(key);
  if (decision.allowed) return;
  const seconds = decision.retryAfterSeconds;
  if (ctx.responseHeaders) ctx.responseHeaders['retry-after'] = String(seconds);
  throw new DomainError('rate_limited', `Too many requests; retry in ${seconds} s`, {
    retry_after_seconds: seconds,
  });
}
