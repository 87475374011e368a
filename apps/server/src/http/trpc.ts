import { type AppRouter, appRouter, type Context, ERROR_CODES, INTERNAL_MESSAGE } from '@campaigns/api';
import { getTRPCErrorShape, type TRPC_ERROR_CODE_KEY, TRPCError, transformTRPCResponse } from '@trpc/server';
import { type FastifyTRPCPluginOptions, fastifyRequestHandler } from '@trpc/server/adapters/fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { codeForStatus } from './error-body';
import { answerPlainCalls } from './trpc-fast-path';

/** A tRPC error response (superjson-encoded shape, the contract's `error` in `data`). */
export function sendTrpcError(
  reply: FastifyReply,
  status: number,
  code: TRPC_ERROR_CODE_KEY,
  message: string,
) {
  const config = appRouter._def._config;
  const shape = getTRPCErrorShape({
    config,
    error: new TRPCError({ code, message }),
    type: 'unknown',
    path: undefined,
    input: undefined,
    ctx: undefined,
  });
  return reply
    .code(status)
    .type('application/json')
    .send(transformTRPCResponse(config, { error: shape }));
}

export interface TrpcOptions {
  createContext: (opts: { req: FastifyRequest }) => Promise<Context>;
  onInternalError: (error: unknown, request: FastifyRequest) => void;
}

/**
 * `/trpc`: the router over tRPC's HTTP protocol. Plain calls (`httpLink`, `httpBatchLink`) are answered
 * by `trpc-fast-path.ts`; everything else — streaming, other media types, and every request that is
 * wrong before a procedure runs — by tRPC's own Fastify adapter, registered here the way its plugin
 * registers it. Fastify's own errors before tRPC runs (body too large, not JSON, unparsable) and paths
 * that name no procedure answer in the tRPC error shape too, so typed clients can always read
 * `error.data.error` (PAYLOAD_TOO_LARGE, not an unreadable body). Register with `prefix: '/trpc'`.
 */
export function trpcPlugin(options: TrpcOptions) {
  const onFastifyError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) options.onInternalError(error, request);
    const code = ERROR_CODES[codeForStatus(status)].trpc;
    return sendTrpcError(reply, status, code, status === 500 ? INTERNAL_MESSAGE : error.message);
  };
  const onError = (error: TRPCError, request: FastifyRequest) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') options.onInternalError(error.cause ?? error, request);
  };
  const trpcOptions = {
    router: appRouter,
    createContext: options.createContext,
    responseMeta: ({ ctx }) => ({ headers: ctx?.responseHeaders ?? {} }),
    onError: ({ error, req }) => onError(error, req),
  } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'];

  return async function trpc(scope: FastifyInstance): Promise<void> {
    scope.setErrorHandler(onFastifyError);
    scope.setNotFoundHandler((request, reply) =>
      sendTrpcError(
        reply,
        404,
        'NOT_FOUND',
        `No procedure at ${request.method} ${request.url.split('?')[0]}`,
      ),
    );
    // As tRPC's plugin does: bodies reach the protocol as text (it parses them), form data untouched.
    scope.removeContentTypeParser(['application/json', 'multipart/form-data']);
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );
    scope.addContentTypeParser('multipart/form-data', (_request, payload, done) => done(null, payload));

    scope.all<{ Params: { path: string } }>('/:path', async (request, reply) => {
      const { path } = request.params;
      const answered = await answerPlainCalls(request, reply, path, {
        createContext: options.createContext,
        onError,
      });
      if (!answered) await fastifyRequestHandler({ ...trpcOptions, req: request, res: reply, path });
    });
  };
}
