import { DomainError, unavailable } from '@campaigns/core';
import { isDatabaseUnavailable } from '@campaigns/db';
import type { Context } from '../context';
import { toTrpcError, UNAVAILABLE_MESSAGE, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../errors/mapping';

/**
 * Domain errors thrown by services (or by the checks before them) as tRPC errors with the mapped code,
 * in one place; a database that cannot be reached becomes 503 `unavailable` with `Retry-After`. tRPC
 * hands a resolver's throw to the middleware as a failed result with the original error as its `cause`;
 * a check that throws is caught directly.
 */
export function asTrpcError(error: unknown, ctx: Context): unknown {
  if (error instanceof DomainError) return toTrpcError(error);
  if (isDatabaseUnavailable(error)) {
    if (ctx.responseHeaders) ctx.responseHeaders['retry-after'] = String(UNAVAILABLE_RETRY_AFTER_SECONDS);
    return toTrpcError(unavailable(UNAVAILABLE_MESSAGE));
  }
  return error;
}

export function mapDomainErrors<R extends { ok: boolean; error?: { cause?: unknown } }>(
  result: R,
  ctx: Context,
): R {
  if (result.ok || result.error?.cause === undefined) return result;
  const mapped = asTrpcError(result.error.cause, ctx);
  if (mapped !== result.error.cause) throw mapped;
  return result;
}
