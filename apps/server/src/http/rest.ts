import type { ServerResponse } from 'node:http';
import { appRouter, type Context, restSuccessStatus } from '@campaigns/api';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createOpenApiNodeHttpHandler } from 'trpc-to-openapi';
import { codeForStatus, internalErrorBody, toRestErrorBody } from './error-body';

/**
 * Collects what trpc-to-openapi's node handler writes, so that the reply goes out through Fastify
 * (hooks, logging, request id) and error bodies can be rewritten to the contract's shape first.
 * Event listeners go to the real response: the handler watches it for client disconnects.
 */
class CapturedResponse {
  statusCode = 200;
  readonly headers: Record<string, string> = {};
  body: string | undefined;

  constructor(private readonly raw: ServerResponse) {}

  setHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }
  end(body?: string): void {
    this.body = body;
  }
  once(event: string, listener: () => void): this {
    this.raw.once(event, listener);
    return this;
  }
  on(event: string, listener: () => void): this {
    this.raw.on(event, listener);
    return this;
  }
  off(event: string, listener: () => void): this {
    this.raw.off(event, listener);
    return this;
  }
  get writableEnded(): boolean {
    return this.raw.writableEnded;
  }
}

type RawRequestWithBody = FastifyRequest['raw'] & { body?: unknown };

export interface RestOptions {
  createContext: (opts: { req: { headers: FastifyRequest['headers'] } }) => Promise<Context>;
  onInternalError: (error: unknown, request: FastifyRequest) => void;
}

/** The Fastify request behind a raw request, so that errors are logged with its request id. */
const fastifyRequestOf = new WeakMap<object, FastifyRequest>();

function sendError(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  if (status === 401) void reply.header('www-authenticate', 'Bearer');
  return reply.code(status).type('application/json').send(body);
}

/**
 * The `/v1` REST surface: every route of the router's OpenAPI metadata, answered through
 * trpc-to-openapi, with every non-2xx answer — ours, the bridge's or Fastify's — in the contract's
 * `{error, message, details}` shape. Register with `prefix: '/v1'`.
 */
export function restPlugin(options: RestOptions) {
  const handle = createOpenApiNodeHttpHandler({
    router: appRouter,
    createContext: ({ req }) => options.createContext({ req }),
    responseMeta: ({ paths, errors }) => {
      // Errors keep the bridge's status for their tRPC code; successes get the procedure's own.
      return errors.length === 0 && paths?.[0] ? { status: restSuccessStatus(paths[0]) } : {};
    },
    onError: ({ error, req }) => {
      const request = fastifyRequestOf.get(req);
      if (error.code === 'INTERNAL_SERVER_ERROR' && request)
        options.onInternalError(error.cause ?? error, request);
    },
  });

  return async function rest(scope: FastifyInstance): Promise<void> {
    // POST /cancel and friends need no body; let callers send none rather than `{}`.
    scope.addHook('preHandler', async (request) => {
      if (request.body === undefined && request.headers['content-type'] === undefined) {
        request.headers['content-type'] = 'application/json';
        request.body = {};
      }
    });

    scope.route({
      method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
      url: '/*',
      handler: async (request, reply) => {
        const req: RawRequestWithBody = request.raw;
        req.body = request.body;
        fastifyRequestOf.set(req, request);
        const res = new CapturedResponse(reply.raw);
        // trpc-to-openapi types its handler with Node's request/response; CapturedResponse implements
        // the part of ServerResponse it uses.
        await handle(req, res as unknown as ServerResponse);
        if (res.statusCode < 400) {
          return reply.code(res.statusCode).headers(res.headers).send(res.body);
        }
        const sent: unknown = res.body === undefined ? undefined : JSON.parse(res.body);
        return sendError(reply, res.statusCode, toRestErrorBody(res.statusCode, sent, request.id));
      },
    });

    scope.setNotFoundHandler((request, reply) =>
      sendError(reply, 404, {
        error: 'not_found',
        message: `No route ${request.method} ${request.url}`,
        details: {},
      }),
    );

    // Fastify's own errors before our handler runs: malformed JSON, body too large, media type.
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error.statusCode ?? 500;
      if (status >= 500) {
        options.onInternalError(error, request);
        return sendError(reply, 500, internalErrorBody(request.id));
      }
      const code = codeForStatus(status);
      const details =
        code === 'validation_failed' ? { issues: [{ path: [], message: 'Malformed JSON body' }] } : {};
      const message =
        code === 'validation_failed'
          ? 'Malformed JSON body'
          : code === 'payload_too_large'
            ? 'Request body is too large'
            : code === 'unsupported_media_type'
              ? 'Request body must be application/json'
              : error.message;
      return sendError(reply, status, { error: code, message, details });
    });
  };
}
