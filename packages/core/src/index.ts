// The service without transport: domain rules, services, the dispatcher, webhook delivery, idempotency
// storage and token verification. Imports no tRPC, Fastify or OpenAPI code (test/architecture).
export {
  type Authentication,
  type AuthFailure,
  createHs256Verifier,
  createJwtVerifier,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  JWKS_ALGORITHMS,
  type JwtVerifierOptions,
  type Principal,
  signToken,
  type TokenClaims,
  type TokenVerifier,
} from './auth/tokens';
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
export { type Clock, systemClock } from './domain/clock';
export {
  DomainError,
  forbidden,
  unauthorized,
  unavailable,
  validationDetails,
  validationFailed,
} from './domain/errors';
export { allowedFrom, assertAllowed, isAllowed } from './domain/lifecycle';
export { conditionMatches, etagOf } from './domain/versions';
export { canonicalJson } from './hardening/canonical-json';
export {
  claimKey,
  completeKey,
  completeKeyIn,
  IDEMPOTENCY,
  type KeyRef,
  purgeExpiredIdempotencyKeys,
  releaseKey,
  requestFingerprint,
  type StoredOutcome,
} from './hardening/idempotency';
export {
  createSharedRateLimiter,
  createTokenBucketLimiter,
  purgeIdleRateLimitBuckets,
  type RateDecision,
  type RateLimiter,
} from './hardening/rate-limit';
export { listEvents } from './services/audit';
export type { LockTx } from './services/campaign-lock';
export {
  cancelCampaign,
  createCampaign,
  duplicateCampaign,
  getCampaign,
  listCampaigns,
  scheduleCampaign,
  unscheduleCampaign,
  updateCampaign,
} from './services/campaigns';
export { encodeCursor } from './services/cursor';
export { listDeliveries } from './services/deliveries';
export type { Actor, ServiceDeps } from './services/deps';
export { FeedHub, followFeed, listFeed, positionOfEvent } from './services/event-feed';
export { addStep, listSteps, removeStep, updateStep } from './services/steps';
export {
  createWebhook,
  getWebhook,
  listWebhookAttempts,
  listWebhooks,
  removeWebhook,
  resendWebhook,
  rotateWebhookSecret,
  sendTestWebhook,
  updateWebhook,
  type WebhookPolicy,
} from './services/webhooks';
export { DEFAULT_RETRY_SCHEDULE_MS, WebhookWorker, type WebhookWorkerOptions } from './webhooks/worker';
