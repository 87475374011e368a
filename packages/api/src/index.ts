export type {
  Authentication,
  JwtVerifierOptions,
  Principal,
  TokenClaims,
  TokenVerifier,
} from './auth/tokens';
export {
  createHs256Verifier,
  createJwtVerifier,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  JWKS_ALGORITHMS,
  signToken,
} from './auth/tokens';
export type { ApiDeps, Context, RequestLike } from './context';
export { createContextFactory, headersWithoutVersion } from './context';
export {
  createLoggingSender,
  Dispatcher,
  type DispatcherOptions,
  type FiringPlan,
  planFiring,
  type Sender,
  type SendRequest,
  type TickResult,
} from './dispatch';
export type { Clock } from './domain/clock';
export { systemClock } from './domain/clock';
export { DomainError, validationDetails, validationFailed } from './domain/errors';
export { allowedFrom, assertAllowed, isAllowed } from './domain/lifecycle';
export { conditionMatches, etagOf } from './domain/versions';
export {
  ERROR_CODES,
  INTERNAL_MESSAGE,
  toErrorBody,
  toTrpcError,
  UNAVAILABLE_MESSAGE,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
} from './errors/mapping';
export { canonicalJson } from './hardening/canonical-json';
export { IDEMPOTENCY, purgeExpiredIdempotencyKeys, requestFingerprint } from './hardening/idempotency';
export {
  createSharedRateLimiter,
  createTokenBucketLimiter,
  purgeIdleRateLimitBuckets,
  type RateDecision,
  type RateLimiter,
} from './hardening/rate-limit';
export { COMMITTED_OPENAPI_BASE_URL, renderCommittedOpenApi } from './openapi/committed';
export { buildOpenApiDocument } from './openapi/document';
export { REST_OPERATIONS, type RestOperation } from './openapi/rest-operations';
export { PROCEDURE_META, PROCEDURES } from './procedure-meta';
export { type AppRouter, appRouter } from './router';
export { EVENT_STREAM_PATH } from './routers/campaigns/meta';
export { FeedHub } from './services/event-feed';
export type { Meta } from './trpc';
export { DEFAULT_RETRY_SCHEDULE_MS, WebhookWorker, type WebhookWorkerOptions } from './webhooks/worker';
