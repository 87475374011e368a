import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  type ApiDeps,
  buildOpenApiDocument,
  clientErrorResponse,
  createContextFactory,
  errorResponse,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
} from '@campaigns/api';
import { REQUEST_LIMITS } from '@campaigns/contract';
import { createSharedRateLimiter, createTokenBucketLimiter, FeedHub } from '@campaigns/core';
import scalarApiReference from '@scalar/fastify-api-reference';
import { TRPCError } from '@trpc/server';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { devSignInProbePlugin, devTokensPlugin } from './dev-tokens';
import { addCors, addJsonDepthLimit, addSecurityHeaders } from './hardening';
import { startIdempotencyPurge } from './idempotency-purge';
import { contextPerRequest } from './request-context';
import { restPlugin } from './rest';
import { sendTrpcError, trpcPlugin } from './trpc';
import { webAppPlugin } from './web';

export interface AppOptions {
  deps: ApiDeps;
  /** A pino logger, or false for none (tests). */
  logger: FastifyBaseLogger | false;
  /** DB reachable and migrated (for /readyz). */
  isReady: () => Promise<boolean>;
  /** Public base URL written into the OpenAPI document's `servers`. */
  publicUrl: string;
  bodyLimitBytes?: number;
  /** Largest request head (Node's maxHeaderSize; over it Node answers 431). Default 16 KiB. */
  maxHeaderSizeBytes?: number;
  /** Calls per minute per token, or per address without one; null or absent: no limit. */
  rateLimitPerMinute?: number | null;
  /**
   * Where the rate limit's allowance is kept: `database` (default) shares it between every process on
   * the database, leased in chunks (hardening/rate-limit.ts); `process` keeps it in this process only.
   */
  rateLimitStore?: 'database' | 'process';
  /** A whole request (head and body) must arrive within this long, else 408 (REQUEST_TIMEOUT). Default 30 s. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this long. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** Calls in one tRPC batch (TRPC_MAX_BATCH). Default 50. */
  trpcMaxBatch?: number;
  /** Plain tRPC calls through trpc-fast-path.ts (TRPC_FAST_PATH); default on. */
  trpcFastPath?: boolean;
  /** Browser origins allowed by CORS; none by default. */
  corsOrigins?: readonly string[];
  /** Strict-Transport-Security max-age in seconds; null or absent: no HSTS header. */
  hstsMaxAgeSeconds?: number | null;
  /** How often expired Idempotency-Keys are deleted (default 10 minutes); null: never (tests). */
  idempotencyPurgeIntervalMs?: number | null;
  /**
   * Development sign-in: `POST /dev/token {brand_id, sub}` mints a token with the development secret.
   * Only ever on when the server itself runs with that secret (never in production).
   */
  devTokens?: { secret: string };
  /** The built web app (apps/web/dist) to serve at `/`. */
  webRoot?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** How long /readyz waits for the database before answering 503. */
const READY_TIMEOUT_MS = 2_000;

/** Longest `/trpc/<procedures>` path segment: a batch of ~200 calls (the request head limit applies too). */
const MAX_TRPC_PATH_LENGTH = 5000;

/**
 * Raised before any route (and so any scope's error handler) is found, e.g. a path with broken
 * percent-encoding. Under /v1 such a path names no resource: the contract's 404 body.
 */
function onFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (request.url === '/v1' || request.url.startsWith('/v1/')) {
    const { status, body } = errorResponse('not_found', 'No such resource');
    return reply.code(status).type('application/json').send(body);
  }
  // E.g. a procedure name over the router's parameter length: no such procedure.
  if (request.url.startsWith('/trpc/')) {
    return sendTrpcError(reply, new TRPCError({ code: 'NOT_FOUND', message: 'No such procedure' }));
  }
  return reply.code(error.statusCode ?? 400).send(error);
}

/**
 * Requests Node's HTTP parser refuses before Fastify has a request (an oversized head, a malformed request
 * line, a client too slow to send its head): answered on the socket, as Fastify's default handler does,
 * but with the contract's `{error, message, details}` body. The URL is unknown at this point, so every
 * path gets this body; the status keeps its HTTP meaning, the code is the contract's nearest.
 */
function onClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const response = clientErrorResponse(error.code);
  const { status, reason } = response;
  const body = JSON.stringify(response.body);
  this.log.trace({ err: error }, 'client error');
  // A request already handed to a handler may have started its response: then only closing is possible.
  const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (socket.writable && started !== true) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * The one HTTP process: tRPC at /trpc, REST at /v1, the OpenAPI document and its reference page,
 * and health checks. Built without listening, so tests can run it on an ephemeral port.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    // A caller's X-Request-Id is kept when it is sane, so logs can be correlated across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    frameworkErrors: onFrameworkError as FastifyServerOptions['frameworkErrors'],
    // Node checks these every `connectionsCheckingInterval`; its default of 30 s would let a slow client
    // hold a connection for up to twice the limit (docs/hardening.md, Slow clients).
    http: { maxHeaderSize: options.maxHeaderSizeBytes ?? 16 * 1024, connectionsCheckingInterval: 1_000 },
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
    // The head has to arrive within the same bound (Node's headersTimeout, at most requestTimeout).
    connectionTimeout: 0,
    clientErrorHandler: onClientError,
    // A tRPC batch names every call in the path (`/trpc/campaigns.get,campaigns.get,…`); Fastify's
    // default of 100 characters turned batches of more than ~5 calls into 404s (docs/performance.md).
    routerOptions: { maxParamLength: MAX_TRPC_PATH_LENGTH },
  });

  // Before any route is registered, so that every route has them (docs/hardening.md).
  addSecurityHeaders(app, { hstsMaxAgeSeconds: options.hstsMaxAgeSeconds ?? null });
  addCors(app, { origins: options.corsOrigins ?? [] });
  addJsonDepthLimit(app);
  const purgeEveryMs =
    options.idempotencyPurgeIntervalMs === undefined ? 10 * 60_000 : options.idempotencyPurgeIntervalMs;
  if (purgeEveryMs !== null) startIdempotencyPurge(app, options.deps, purgeEveryMs);

  // Once close() has begun (SIGTERM), requests in flight still finish, but their keep-alive connections
  // must end with them: Fastify only closes the connections idle when close() starts and waits for the
  // others, which a client could keep open for the whole keep-alive timeout (72 s).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Hooks on every request take Fastify's callback form: an async hook costs a promise and defers the
  // send to a later microtask (docs/performance.md).
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });

  app.server.headersTimeout = requestTimeoutMs;

  const rateLimiter = options.rateLimitPerMinute
    ? options.rateLimitStore === 'process'
      ? createTokenBucketLimiter({ perMinute: options.rateLimitPerMinute })
      : createSharedRateLimiter({ db: options.deps.db, perMinute: options.rateLimitPerMinute })
    : undefined;
  // One per process: wakes every live stream of this server (services/event-feed.ts).
  const feedHub = new FeedHub(options.deps.db);
  // Before the server waits for open requests: live streams never end by themselves.
  app.addHook('preClose', async () => feedHub.close());
  const contextOf = contextPerRequest(
    createContextFactory({ ...options.deps, feedHub, ...(rateLimiter ? { rateLimiter } : {}) }),
  );
  const logInternalError = (error: unknown, request: { id: string; log: FastifyInstance['log'] }) =>
    request.log.error({ err: error, requestId: request.id }, 'unexpected error');

  await app.register(
    trpcPlugin({
      contextOf,
      onInternalError: logInternalError,
      maxBatchSize: options.trpcMaxBatch ?? REQUEST_LIMITS.trpcMaxBatch,
      fastPath: options.trpcFastPath ?? true,
    }),
    { prefix: '/trpc' },
  );
  await app.register(restPlugin({ contextOf, onInternalError: logInternalError }), { prefix: '/v1' });

  // Generated once: the router cannot change while the process runs.
  const document = buildOpenApiDocument({ baseUrl: options.publicUrl });
  app.get('/openapi.json', async () => document);
  await app.register(scalarApiReference, {
    routePrefix: '/docs',
    // Works offline and shows only what works here: no web fonts fetched from Scalar's servers, none of
    // its hosted products (client app, agent, MCP, developer tools), no telemetry; bearer auth chosen.
    configuration: {
      url: '/openapi.json',
      title: 'Messaging campaigns API',
      withDefaultFonts: false,
      hideClientButton: true,
      showDeveloperTools: 'never',
      telemetry: false,
      agent: { disabled: true },
      mcp: { disabled: true },
      authentication: { preferredSecurityScheme: 'bearerAuth' },
    },
  });

  await app.register(devSignInProbePlugin(options.devTokens !== undefined));
  if (options.devTokens) await app.register(devTokensPlugin(options.devTokens.secret));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    // Bounded: a database that does not answer is as unready as one that refuses.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>(
      (resolve) => (timer = setTimeout(resolve, READY_TIMEOUT_MS, false)),
    );
    const ready = await Promise.race([options.isReady().catch(() => false), timedOut]);
    clearTimeout(timer);
    return reply
      .code(ready ? 200 : 503)
      .headers(ready ? {} : { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) })
      .send({ status: ready ? 'ready' : 'unavailable' });
  });

  // Last: its not-found handler answers every path no API route claimed.
  if (options.webRoot) await app.register(webAppPlugin(options.webRoot));

  return app;
}
