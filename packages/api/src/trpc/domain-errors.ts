import { DomainError } from '../domain/errors';
import { toTrpcError } from '../errors/mapping';

/**
 * Domain errors thrown by services (or by the checks before them) as tRPC errors with the mapped code,
 * in one place. tRPC hands a resolver's throw to the middleware as a failed result with the original
 * error as its `cause`; a check that throws is caught directly.
 */
export function asTrpcError(error: unknown): unknown {
  return error instanceof DomainError ? toTrpcError(error) : error;
}

export function mapDomainErrors<R extends { ok: boolean; error?: { cause?: unknown } }>(result: R): R {
  if (!result.ok && result.error?.cause instanceof DomainError) throw toTrpcError(result.error.cause);
  return result;
}
