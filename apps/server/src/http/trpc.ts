import { type AppRouter, appRouter, type Context, ERROR_CODES, INTERNAL_MESSAGE } from '@campaigns/api';
import { getTRPCErrorShape, type TRPC_ERROR_CODE_KEY, TRPCError, transformTRPCResponse } from '@trpc/server';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { codeForStatus } from './error-body';

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
 * `/trpc`: the router through tRPC's Fastify adapter. Fastify's own errors before tRPC runs (body too
 * large, not JSON, unparsable) and paths that name no procedure answer in the tRPC error shape too, so
 * typed clients can always read `error.data.error` (PAYLOAD_TOO_LARGE, not an unreadable body).
 * Register with `prefix: '/trpc'`.
 */
export function trpcPlugin(options: TrpcOptions) {
  const onFastifyError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) options.onInternalError(error, request);
    const code = ERROR_CODES[codeForStatus(status)].trpc;
    return sendTrpcError(reply, status, code, status === 500 ? INTERNAL_MESSAGE : error.message);
  };

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
    await scope.register(fastifyTRPCPlugin, {
      trpcOptions: {
        router: appRouter,
        createContext: options.createContext,
        responseMeta: ({ ctx }) => ({ headers: ctx?.responseHeaders ?? {} }),
        onError: ({ error, req }) => {
          if (error.code === 'INTERNAL_SERVER_ERROR') options.onInternalError(error.cause ?? error, req);
        },
      } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
    });
  };
}
