import { randomUUID } from 'node:crypto';
import {
  type ApiDeps,
  type AppRouter,
  appRouter,
  buildOpenApiDocument,
  createContextFactory,
  signToken,
} from '@campaigns/api';
import scalarApiReference from '@scalar/fastify-api-reference';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { restPlugin } from './rest';

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
  /**
   * Development sign-in: `POST /dev/token {brand_id, sub}` mints a token with the development secret.
   * Only ever on when the server itself runs with that secret (never in production).
   */
  devTokens?: { secret: string };
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

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
  });

  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  const createContext = createContextFactory(options.deps);
  const logInternalError = (error: unknown, request: { id: string; log: FastifyInstance['log'] }) =>
    request.log.error({ err: error, requestId: request.id }, 'unexpected error');

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext,
      onError: ({ error, req }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') logInternalError(error.cause ?? error, req);
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });

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

  return app;
}
