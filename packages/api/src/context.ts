import type {
  Authentication,
  Clock,
  FeedHub,
  RateLimiter,
  TokenVerifier,
  WebhookPolicy,
} from '@campaigns/core';
import type { PrismaClient } from '@campaigns/db';

/** Long-lived collaborators, created once per process. */
export interface ApiDeps {
  db: PrismaClient;
  clock: Clock;
  tokens: TokenVerifier;
  /** Per-caller rate limit (docs/hardening.md); none: unlimited. */
  rateLimiter?: RateLimiter;
  /** How long an Idempotency-Key claim without a response holds (IDEMPOTENCY_LEASE); default 60 s. */
  idempotencyLeaseMs?: number;
  /** Wakes this process's live streams (services/event-feed.ts); one per process. */
  feedHub?: FeedHub;
  /** Which webhook URLs are allowed (WEBHOOK_ALLOW_PRIVATE_URLS). */
  webhookPolicy?: WebhookPolicy;
}

/** Per-request context: the dependencies plus who is calling. */
export interface Context extends ApiDeps {
  auth: Authentication;
  /** The request's `Idempotency-Key` header, as sent (checked by the idempotency middleware). */
  idempotencyKey?: string;
  /** The request's `If-Match` header, as sent (checked by each change after its lock). */
  ifMatch?: string;
  /** Sets the `ETag` response header (REST only; a tRPC caller reads `updated_at`). */
  reportVersion?: (etag: string) => void;
  /** The caller's address: the rate-limit key of calls without a valid token. */
  clientIp?: string;
  /** Headers the procedures want on the HTTP response (`Retry-After`, `Idempotent-Replayed`, `ETag`). */
  responseHeaders?: Record<string, string>;
  /** The HTTP request's id (`x-request-id`): an internal error names it, so that logs can be found. */
  requestId?: string;
}

/**
 * The procedure's response headers without `ETag`: for tRPC (a caller reads `updated_at`; a batch has
 * no one version) and for a REST error (it returns no campaign).
 */
export const headersWithoutVersion = (headers: Record<string, string> = {}): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'etag'));

/** The minimal request shape both the tRPC and the REST adapter hand over. */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  /** The client's address (Fastify's `request.ip`). */
  ip?: string;
  /** The request's id (Fastify's `request.id`). */
  id?: string;
}

const firstValue = (header: string | string[] | undefined) => (Array.isArray(header) ? header[0] : header);

/**
 * One object literal of one shape per request: spreading the dependencies and the optional fields into
 * it cost ~11 µs per request (V8 builds such objects key by key), this ~1 µs (docs/performance.md).
 * Absent optional fields are `undefined` rather than missing.
 */
export const createContextFactory =
  (deps: ApiDeps) =>
  async ({ req }: { req: RequestLike }): Promise<Context> => {
    const responseHeaders: Record<string, string> = {};
    return {
      db: deps.db,
      clock: deps.clock,
      tokens: deps.tokens,
      rateLimiter: deps.rateLimiter,
      idempotencyLeaseMs: deps.idempotencyLeaseMs,
      feedHub: deps.feedHub,
      webhookPolicy: deps.webhookPolicy,
      auth: await deps.tokens.verify(firstValue(req.headers.authorization)),
      idempotencyKey: firstValue(req.headers['idempotency-key']),
      // Node joins repeated If-Match headers with ", ", which is the list syntax the header has anyway.
      ifMatch: firstValue(req.headers['if-match']),
      clientIp: req.ip,
      requestId: req.id,
      responseHeaders,
      reportVersion: (etag: string) => {
        responseHeaders.etag = etag;
      },
    };
  };
