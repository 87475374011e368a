import { API_ERROR_CODES, type ApiErrorCode, transformer } from '@campaigns/contract';
import { initTRPC } from '@trpc/server';
import { middlewareMarker } from '@trpc/server/unstable-core-do-not-import';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Context } from './context';
import { DomainError, forbidden, unauthorized, validationFailed } from './domain/errors';
import { ERROR_CODES, toErrorBody, toTrpcError } from './errors/mapping';
import { claimKey, completeKey, IDEMPOTENCY, releaseKey, requestFingerprint } from './hardening/idempotency';
import type { Actor } from './services/deps';

/** Procedure metadata: the REST route and, where it is not 200, the REST success status. */
export type Meta = OpenApiMeta<{ successStatus?: 200 | 201 }>;

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer,
    // Never put stack traces in responses, whatever NODE_ENV says.
    isDev: false,
    errorFormatter({ shape, error, ctx }) {
      const body = toErrorBody(error);
      // As on REST: an internal error says only which request to look for in the logs.
      if (body.error === 'internal' && ctx?.requestId) body.details = { request_id: ctx.requestId };
      return {
        ...shape,
        message: body.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          error: body.error,
          details: body.details,
        },
      };
    },
  });

export const router = t.router;

/** Domain errors thrown by services become tRPC errors with the mapped code, in one place. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) throw toTrpcError(result.error.cause);
  return result;
});

/**
 * The per-caller rate limit (docs/hardening.md): keyed by the verified token's brand and subject, or by
 * the client address for calls without a valid token. Over it: 429 `rate_limited` with `Retry-After`.
 */
const rateLimited = t.middleware(({ ctx, next }) => {
  if (!ctx.rateLimiter) return next();
  const key = ctx.auth.ok
    ? `token ${JSON.stringify([ctx.auth.principal.brandId, ctx.auth.principal.sub])}`
    : `ip ${ctx.clientIp ?? 'unknown'}`;
  const decision = ctx.rateLimiter.take(key);
  if (decision.allowed) return next();
  const seconds = decision.retryAfterSeconds;
  if (ctx.responseHeaders) ctx.responseHeaders['retry-after'] = String(seconds);
  throw new DomainError('rate_limited', `Too many requests; retry in ${seconds} s`, {
    retry_after_seconds: seconds,
  });
});

const publicProcedure = t.procedure.use(domainErrors).use(rateLimited);

const isErrorCode = (code: unknown): code is ApiErrorCode =>
  typeof code === 'string' && (API_ERROR_CODES as readonly string[]).includes(code);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `Idempotency-Key` on mutations (docs/hardening.md): the first call with a key runs and its response is
 * stored; a retry with the same key and input gets that response back without running again; the same
 * key with another input, or while the first call still runs, is 409 `conflict`. Runs after auth (a key
 * belongs to the token's brand) and before input validation, so the fingerprint is of the input as sent.
 */
const idempotent = t.middleware(async ({ ctx, type, path, meta, getRawInput, next }) => {
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
  const fingerprint = requestFingerprint(path, await getRawInput());
  const claim = await claimKey(ctx.db, { ...ref, fingerprint, procedure: path, now: ctx.clock.now() });
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
    const { body } = claim.response;
    if (claim.response.status >= 400) {
      const error = isRecord(body) ? body : {};
      throw new DomainError(
        isErrorCode(error.error) ? error.error : 'internal',
        typeof error.message === 'string' ? error.message : 'Request failed',
        isRecord(error.details) ? error.details : {},
      );
    }
    return { ok: true as const, data: body, marker: middlewareMarker };
  }

  const result = await next();
  const cause = result.ok ? undefined : result.error.cause;
  // Stored: what the operation answered, success or a domain error (404, 412, …). Not stored: input
  // that failed validation (nothing ran) and unexpected failures (5xx; the work rolled back, so a retry
  // may run it again). A failure to store is not the caller's problem: the work is done.
  const response = result.ok
    ? { status: meta?.successStatus ?? 200, body: result.data }
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
});

const AUTH_MESSAGES = {
  missing: 'Missing bearer token',
  malformed: 'Malformed Authorization header; expected "Bearer <token>"',
  invalid: 'Invalid bearer token',
  expired: 'Bearer token has expired',
} as const;

/** Requires a verified token carrying `scope`; exposes the caller as `ctx.actor`. */
export const scopedProcedure = (scope: string) =>
  publicProcedure
    .use(({ ctx, next }) => {
      if (!ctx.auth.ok) throw unauthorized(AUTH_MESSAGES[ctx.auth.failure]);
      if (!ctx.auth.principal.scopes.has(scope)) throw forbidden(scope);
      const actor: Actor = { sub: ctx.auth.principal.sub, brandId: ctx.auth.principal.brandId };
      return next({ ctx: { actor } });
    })
    .use(idempotent);
