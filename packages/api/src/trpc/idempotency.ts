import { API_ERROR_CODES, type ApiErrorCode } from '@campaigns/contract';
import {
  claimKey,
  completeKey,
  completeKeyIn,
  DomainError,
  IDEMPOTENCY,
  type LockTx,
  releaseKey,
  requestFingerprint,
  validationFailed,
} from '@campaigns/core';
import { middlewareMarker } from '@trpc/server/unstable-core-do-not-import';
import type { Context } from '../context';
import { ERROR_CODES } from '../errors/mapping';
import type { Meta } from './init';

const isErrorCode = (code: unknown): code is ApiErrorCode =>
  typeof code === 'string' && (API_ERROR_CODES as readonly string[]).includes(code);

/** The ETag the change reported (services call ctx.reportVersion), to store with its response. */
const versionOf = (ctx: { responseHeaders?: Record<string, string> }) => {
  const etag = ctx.responseHeaders?.etag;
  return etag === undefined ? {} : { etag };
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a middleware result looks like to this module: tRPC's, as `next()` returns it. */
interface MiddlewareResult {
  ok: boolean;
  data?: unknown;
  error?: { cause?: unknown };
}

/** The parts of a procedure call idempotency needs (a middleware's options). */
export interface IdempotencyCall {
  ctx: Context;
  type: string;
  path: string;
  meta: Meta | undefined;
  getRawInput: () => Promise<unknown>;
}

/**
 * `Idempotency-Key` on mutations (docs/hardening.md): the first call with a key runs and its response is
 * stored; a retry with the same key and input gets that response back without running again; the same
 * key with another input, or while the first call still runs, is 409 `conflict`. Runs after auth (a key
 * belongs to the token's brand) and before input validation, so the fingerprint is of the input as sent.
 */
export async function idempotently<R extends MiddlewareResult>(
  { ctx, type, path, meta, getRawInput }: IdempotencyCall,
  next: (extension?: { recordOutcome: (tx: LockTx, body: unknown) => Promise<void> }) => Promise<R>,
): Promise<R | MiddlewareResult> {
  const key = ctx.idempotencyKey;
  if (type !== 'mutation' || key === undefined || !ctx.auth.ok) return next();
  if (key.length < IDEMPOTENCY.keyMinLength || key.length > IDEMPOTENCY.keyMaxLength) {
    throw validationFailed(
      [
        {
          path: ['Idempotency-Key'],
          message: `Must be ${IDEMPOTENCY.keyMinLength} to ${IDEMPOTENCY.keyMaxLength} characters`,
        },
      ],
      'Invalid Idempotency-Key header',
    );
  }
  const ref = { brandId: ctx.auth.principal.brandId, key };
  const fingerprint = requestFingerprint(path, await getRawInput(), ctx.ifMatch);
  const claim = await claimKey(ctx.db, {
    ...ref,
    fingerprint,
    procedure: path,
    now: ctx.clock.now(),
    ...(ctx.idempotencyLeaseMs !== undefined ? { leaseMs: ctx.idempotencyLeaseMs } : {}),
  });
  if (claim.kind === 'reused') {
    throw new DomainError('conflict', 'This Idempotency-Key was already used with a different request', {
      reason: 'idempotency_key_reused',
    });
  }
  if (claim.kind === 'in_progress') {
    if (ctx.responseHeaders) ctx.responseHeaders['retry-after'] = '1';
    throw new DomainError('conflict', 'A request with this Idempotency-Key is still in progress', {
      reason: 'idempotency_key_in_progress',
    });
  }
  if (claim.kind === 'replay') {
    if (ctx.responseHeaders) ctx.responseHeaders['idempotent-replayed'] = 'true';
    const { body, etag } = claim.response;
    if (etag !== undefined) ctx.reportVersion?.(etag);
    if (claim.response.status >= 400) {
      const error = isRecord(body) ? body : {};
      throw new DomainError(
        isErrorCode(error.error) ? error.error : 'internal',
        typeof error.message === 'string' ? error.message : 'Request failed',
        isRecord(error.details) ? error.details : {},
      );
    }
    return { ok: true as const, data: body, marker: middlewareMarker } as MiddlewareResult;
  }

  // A change stores its response in its own transaction (services/transactions.ts), so a crash after
  // the commit still leaves the response to replay; anything else is stored after it answered.
  const successStatus = meta?.successStatus ?? 200;
  let storedWithWork = false;
  const result = await next({
    recordOutcome: async (tx: LockTx, body: unknown) => {
      await completeKeyIn(tx, ref, { status: successStatus, body, ...versionOf(ctx) });
      storedWithWork = true;
    },
  });
  if (result.ok && storedWithWork) return result;
  const cause = result.ok ? undefined : result.error?.cause;
  // Stored: what the operation answered, success or a domain error (404, 412, …). Not stored: input
  // that failed validation (nothing ran) and unexpected failures (5xx; the work rolled back, so a retry
  // may run it again). A failure to store is not the caller's problem: the work is done.
  const response = result.ok
    ? { status: successStatus, body: result.data, ...versionOf(ctx) }
    : cause instanceof DomainError
      ? {
          status: ERROR_CODES[cause.code].status,
          body: { error: cause.code, message: cause.message, details: cause.details },
        }
      : undefined;
  await (response ? completeKey(ctx.db, ref, response) : releaseKey(ctx.db, { ...ref, fingerprint })).catch(
    () => undefined,
  );
  return result;
}
