import {
  type AppRouter,
  appRouter,
  type Context,
  frameworkTrpcError,
  headersWithoutVersion,
  TRPC_CONFIG,
  toTrpcError,
} from '@campaigns/api';
import { DomainError, validationDetails } from '@campaigns/core';
import { getTRPCErrorShape, TRPCError, transformTRPCResponse } from '@trpc/server';
import { type FastifyTRPCPluginOptions, fastifyRequestHandler } from '@trpc/server/adapters/fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { trpcJsonProblem } from './hardening';
import type { ContextOf } from './request-context';
import { answerPlainCalls } from './trpc-fast-path';

/** A tRPC error response (superjson-encoded shape, the contract's `error` and `details` in `data`). */
export function sendTrpcError(reply: FastifyReply, error: TRPCError) {
  const config = TRPC_CONFIG;
  const shape = getTRPCErrorShape({
    config,
    error,
    type: 'unknown',
    path: undefined,
    input: undefined,
    ctx: undefined,
  });
  return reply
    .code(shape.data.httpStatus)
    .type('application/json')
    .send(transformTRPCResponse(config, { error: shape }));
}

export interface TrpcOptions {
  contextOf: ContextOf;
  onInternalError: (error: unknown, request: FastifyRequest) => void;
  /** Calls one batch may hold (TRPC_MAX_BATCH). */
  maxBatchSize: number;
  /** Answer plain calls with trpc-fast-path.ts (TRPC_FAST_PATH); off: tRPC's adapter answers all. */
  fastPath: boolean;
}

const isBatch = (request: FastifyRequest) => (request.query as Record<string, unknown>).batch === '1';

/**
 * `/trpc`: the router over tRPC's HTTP protocol. Plain calls (`httpLink`, `httpBatchLink`) are answered
 * by `trpc-fast-path.ts`; everything else — streaming, other media types, and every request that is
 * wrong before a procedure runs — by tRPC's own Fastify adapter, registered here the way its plugin
 * registers it. Fastify's own errors before tRPC runs (body too large, not JSON, unparsable) and paths
 * that name no procedure answer in the tRPC error shape too, so typed clients can always read
 * `error.data.error` (PAYLOAD_TOO_LARGE, not an unreadable body). Register with `prefix: '/trpc'`.
 *
 * Before a body is read (API.md, Limits): a batch over `maxBatchSize` is refused, and a plain call whose
 * token fails verification is answered at once (the procedures refuse it before reading any input), so
 * an unauthenticated megabyte costs no parsing. The payload then gets REST's checks: nesting counted the
 * same way, and `__proto__`/`constructor.prototype` keys refused.
 */
export function trpcPlugin(options: TrpcOptions) {
  const onFastifyError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const trpcError = frameworkTrpcError(error);
    if (trpcError.code === 'INTERNAL_SERVER_ERROR') options.onInternalError(error, request);
    return sendTrpcError(reply, trpcError);
  };
  const onError = (error: TRPCError, request: FastifyRequest) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') options.onInternalError(error.cause ?? error, request);
  };
  // The procedures' response headers (Retry-After, Idempotent-Replayed), on both paths.
  const responseMeta = (ctx: Context | undefined) => ({
    headers: headersWithoutVersion(ctx?.responseHeaders),
  });
  const trpcOptions = {
    router: appRouter,
    createContext: ({ req }) => options.contextOf(req),
    responseMeta: ({ ctx }) => responseMeta(ctx),
    onError: ({ error, req }) => onError(error, req),
    maxBatchSize: options.maxBatchSize,
  } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'];
  const fastPath = {
    contextOf: options.contextOf,
    onError,
    maxConcurrency: 4,
    maxBatchSize: options.maxBatchSize,
    responseMeta,
  };

  return async function trpc(scope: FastifyInstance): Promise<void> {
    scope.setErrorHandler(onFastifyError);
    scope.setNotFoundHandler((request, reply) =>
      sendTrpcError(
        reply,
        new TRPCError({
          code: 'NOT_FOUND',
          message: `No procedure at ${request.method} ${request.url.split('?')[0]}`,
        }),
      ),
    );
    // As tRPC's plugin does: bodies reach the protocol as text (it parses them), form data untouched.
    scope.removeContentTypeParser(['application/json', 'multipart/form-data']);
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );
    scope.addContentTypeParser('multipart/form-data', (_request, payload, done) => done(null, payload));

    scope.all<{ Params: { path: string } }>('/:path', {
      onRequest: async (request, reply) => {
        const { path } = request.params;
        if (isBatch(request) && path.split(',').length > options.maxBatchSize) {
          const limit = options.maxBatchSize;
          const message = `A batch holds at most ${limit} calls`;
          const refused = new DomainError('validation_failed', message, {
            reason: 'batch_too_large',
            limit,
            ...validationDetails([{ path: [], message }]),
          });
          return sendTrpcError(reply, toTrpcError(refused));
        }
        const ctx = await options.contextOf(request);
        if (!ctx.auth.ok && options.fastPath)
          await answerPlainCalls(request, reply, path, { ...fastPath, withoutInput: true });
      },
      preHandler: async (request) => {
        const query = request.query as Record<string, unknown>;
        const text = typeof request.body === 'string' ? request.body : query.input;
        if (typeof text !== 'string') return;
        const problem = trpcJsonProblem(text, isBatch(request));
        if (problem) throw problem;
      },
      handler: async (request, reply) => {
        const { path } = request.params;
        const answered = options.fastPath && (await answerPlainCalls(request, reply, path, fastPath));
        if (!answered) await fastifyRequestHandler({ ...trpcOptions, req: request, res: reply, path });
      },
    });
  };
}
