import { appRouter } from '@campaigns/api';
import { getTRPCErrorShape, type TRPC_ERROR_CODE_KEY, TRPCError, transformTRPCResponse } from '@trpc/server';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';

const CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** A tRPC error response (superjson-encoded shape, the contract's `error` in `data`) for `code`. */
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

/**
 * Register with `prefix: '/trpc'`. Requests under /trpc that match no tRPC route (`/trpc//x`,
 * `/trpc/a/b`, an unsupported method) would get Fastify's own 404 body, and a body that fails to parse
 * on such a route Fastify's own 400: here both answer in the tRPC error shape, like every other /trpc
 * error (docs/hardening.md, Fuzzing).
 */
export async function trpcFallback(scope: FastifyInstance): Promise<void> {
  scope.setNotFoundHandler((request, reply) =>
    sendTrpcError(reply, 404, 'NOT_FOUND', `No procedure at ${request.method} ${request.url.split('?')[0]}`),
  );
  scope.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    const code = CODE_BY_STATUS[status] ?? (status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR');
    return sendTrpcError(reply, status, code, status < 500 ? error.message : 'Internal server error');
  });
}
