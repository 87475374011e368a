import {
  type Actor,
  claimKey,
  completeKey,
  completeKeyIn,
  DomainError,
  IDEMPOTENCY,
  type LockTx,
  releaseKey,
  requestFingerprint,
  type StoredOutcome,
  validationFailed,
} from '@campaigns/core';
import type { Context } from '../context';

/** The ETag the change reported (services call ctx.reportVersion), to store with its outcome. */
const versionOf = (ctx: { responseHeaders?: Record<string, string> }) => {
  const etag = ctx.responseHeaders?.etag;
  return etag === undefined ? {} : { etag };
};

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
  getRawInput: () => Promise<unknown>;
}

/** What idempotency adds to the context of the call it lets through. */
export interface IdempotencyExtension {
  /** Stores the outcome in the change's own transaction (services/transactions.ts). */
  recordOutcome?: (tx: LockTx, value: unknown) => Promise<void>;
  /** A replay: the first call's result, which the resolver returns instead of running (`replayOr`). */
  replayed?: { value: unknown };
}

/**
 * `Idempotency-Key` on mutations (docs/hardening.md): the first call with a key runs and its response is
 * stored; a retry with the same key and input gets that response back without running again; the same
 * key with another input, or while the first call still runs, is 409 `conflict`. Runs after auth (a key
 * belongs to the token's brand) and before input validation, so the fingerprint is of the input as sent.
 */
export async function idempotently<R extends MiddlewareResult>(
  { ctx, type, path, getRawInput }: IdempotencyCall,
  next: (extension?: IdempotencyExtension) => Promise<R>,
): Promise<R> {
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
    const { outcome } = claim;
    if (!outcome.ok) throw new DomainError(outcome.error.code, outcome.error.message, outcome.error.details);
    if (outcome.etag !== undefined) ctx.reportVersion?.(outcome.etag);
    // Through the rest of the call (input and output schemas) to `replayOr`, which returns it unrun.
    return next({ replayed: { value: outcome.value } });
  }

  // A change stores its outcome in its own transaction (services/transactions.ts), so a crash after
  // the commit still leaves it to replay; anything else is stored after it answered.
  let storedWithWork = false;
  const result = await next({
    recordOutcome: async (tx: LockTx, value: unknown) => {
      await completeKeyIn(tx, ref, { ok: true, value, ...versionOf(ctx) });
      storedWithWork = true;
    },
  });
  if (result.ok && storedWithWork) return result;
  const cause = result.ok ? undefined : result.error?.cause;
  // Stored: what the operation answered, success or a domain error (404, 412, …). Not stored: input
  // that failed validation (nothing ran) and unexpected failures (5xx; the work rolled back, so a retry
  // may run it again). A failure to store is not the caller's problem: the work is done.
  const outcome: StoredOutcome | undefined = result.ok
    ? { ok: true, value: result.data, ...versionOf(ctx) }
    : cause instanceof DomainError
      ? { ok: false, error: { code: cause.code, message: cause.message, details: cause.details } }
      : undefined;
  await (outcome ? completeKey(ctx.db, ref, outcome) : releaseKey(ctx.db, { ...ref, fingerprint })).catch(
    () => undefined,
  );
  return result;
}

/**
 * A mutation's resolver: the service called with the caller, or, for an idempotent replay, the first
 * call's result (which the output schema then checks like any other).
 */
export const replayOr =
  <I, O>(service: (deps: Context, actor: Actor, input: I) => Promise<O>) =>
  ({ ctx, input }: { ctx: Context & IdempotencyExtension & { actor: Actor }; input: I }): Promise<O> =>
    ctx.replayed ? Promise.resolve(ctx.replayed.value as O) : service(ctx, ctx.actor, input);
