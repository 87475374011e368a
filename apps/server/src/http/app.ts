import { randomUUID } from 'node:crypto';
import {
  type ApiDeps,
  type AppRouter,
  appRouter,
  buildOpenApiDocument,
  createContextFactory,
  createTokenBucketLimiter,
  purgeExpiredIdempotencyKeys,
  signToken,
} from '@campaigns/api';
import scalarApiReference from '@scalar/fastify-api-reference';
import { getTRPCErrorShape, type TRPC_ERROR_CODE_KEY, TRPCError, transformTRPCResponse } from '@trpc/server';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { z } from 'zod';
import { addCors, addJsonDepthLimit, addSecurityHeaders } from './hardening';
import { restPlugin } from './rest';
import { sendTrpcError, trpcFallback } from './trpc-fallback';
import { webAppPlugin } from './web';

const DevTokenRequestSchema = z.strictObject({
  brand_id: z.string().min(1).max(128),
  sub: z.string().min(1).max(128),
});

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

/** Longest `/trpc/<procedures>` path segment: a batch of ~200 calls (the request head limit applies too). */
const MAX_TRPC_PATH_LENGTH = 5000;

/**
 * Raised before any route (and so any scope's error handler) is found, e.g. a path with broken
 * percent-encoding. Under /v1 such a path names no resource: the contract's 404 body.
 */
function onFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (request.url === '/v1' || request.url.startsWith('/v1/')) {
    return reply
      .code(404)
      .type('application/json')
      .send({ error: 'not_found', message: 'No such resource', details: {} });
  }
  // E.g. a procedure name over the router's parameter length: no such procedure.
  if (request.url.startsWith('/trpc/')) return sendTrpcError(reply, 404, 'NOT_FOUND', 'No such procedure');
  return reply.code(error.statusCode ?? 400).send(error);
}

/**
 * The one HTTP process: tRPC at /trpc, REST at /v1, the OpenAPI document and its reference page,
 * and health checks. Built without listening, so tests can run it on an ephemeral port.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    // A caller's X-Request-Id is kept when it is sane, so logs can be correlated across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    frameworkErrors: onFrameworkError as FastifyServerOptions['frameworkErrors'],
    http: { maxHeaderSize: options.maxHeaderSizeBytes ?? 16 * 1024 },
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
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    if (closing) void reply.header('connection', 'close');
  });

  const createContext = createContextFactory({
    ...options.deps,
    ...(options.rateLimitPerMinute
      ? { rateLimiter: createTokenBucketLimiter({ perMinute: options.rateLimitPerMinute }) }
      : {}),
  });
  const logInternalError = (error: unknown, request: { id: string; log: FastifyInstance['log'] }) =>
    request.log.error({ err: error, requestId: request.id }, 'unexpected error');

  await app.register(async (scope) => {
    // Fastify's own errors before tRPC runs (body too large, not JSON) as tRPC errors, so that typed
    // clients get PAYLOAD_TOO_LARGE etc. with the contract's `error` in `data`, not an unreadable body.
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
      const code: TRPC_ERROR_CODE_KEY =
        status === 413
          ? 'PAYLOAD_TOO_LARGE'
          : status === 415
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : status < 500
              ? 'BAD_REQUEST'
              : 'INTERNAL_SERVER_ERROR';
      if (status === 500) logInternalError(error, request);
      const config = appRouter._def._config;
      const shape = getTRPCErrorShape({
        config,
        error: new TRPCError({ code, message: error.message, cause: error }),
        type: 'unknown',
        path: undefined,
        input: undefined,
        ctx: undefined,
      });
      return reply
        .code(status)
        .type('application/json')
        .send(transformTRPCResponse(config, { error: shape }));
    });
    await scope.register(fastifyTRPCPlugin, {
      prefix: '/trpc',
      trpcOptions: {
        router: appRouter,
        createContext,
        // Headers the procedures asked for: Retry-After, Idempotent-Replayed.
        responseMeta: ({ ctx }) => ({ headers: ctx?.responseHeaders ?? {} }),
        onError: ({ error, req }) => {
          if (error.code === 'INTERNAL_SERVER_ERROR') logInternalError(error.cause ?? error, req);
        },
      } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
    });
  });

  // Unmatched /trpc paths and their unparsable bodies answer in the tRPC error shape too.
  await app.register(trpcFallback, { prefix: '/trpc' });
  await app.register(restPlugin({ createContext, onInternalError: logInternalError }), { prefix: '/v1' });

  // Generated once: the router cannot change while the process runs.
  const document = buildOpenApiDocument({ baseUrl: options.publicUrl });
  app.get('/openapi.json', async () => document);
  await app.register(scalarApiReference, {
    routePrefix: '/docs',
    configuration: { url: '/openapi.json', title: 'Messaging campaigns API' },
  });

  if (options.devTokens) {
    const { secret } = options.devTokens;
    app.post('/dev/token', async (request, reply) => {
      const parsed = DevTokenRequestSchema.safeParse(request.body ?? {});
      if (!parsed.success) {
        return reply
          .code(400)
          .send({ error: 'validation_failed', message: 'brand_id and sub are required', details: {} });
      }
      const token = await signToken(secret, { brandId: parsed.data.brand_id, sub: parsed.data.sub });
      return { token };
    });
  }

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = await options.isReady().catch(() => false);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable' });
  });

  // Last: its not-found handler answers every path no API route claimed.
  if (options.webRoot) await app.register(webAppPlugin(options.webRoot));

  return app;
}

/**
 * Deletes expired Idempotency-Keys now and then (a retry after 24 hours already treats its key as new;
 * this only keeps the table small). Every process does it; the DELETE is idempotent.
 */
function startIdempotencyPurge(app: FastifyInstance, deps: ApiDeps, everyMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  const purge = () => {
    purgeExpiredIdempotencyKeys(deps.db, deps.clock.now())
      .then((deleted) => {
        if (deleted > 0) app.log.info({ deleted }, 'expired idempotency keys purged');
      })
      .catch((error: unknown) => app.log.warn({ err: error }, 'purging idempotency keys failed'));
  };
  app.addHook('onReady', async () => {
    timer = setInterval(purge, everyMs);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}
