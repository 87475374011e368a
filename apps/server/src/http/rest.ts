import type { ServerResponse } from 'node:http';
import { appRouter, type Context, PROCEDURE_META, restSuccessStatus } from '@campaigns/api';
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

/** Headers of the bridge's error answers that are kept when the body is rewritten. */
const PASSED_ERROR_HEADERS = ['retry-after', 'idempotent-replayed'] as const;

export interface RestOptions {
  createContext: (opts: {
    req: { headers: FastifyRequest['headers']; ip?: string; id?: string };
  }) => Promise<Context>;
  onInternalError: (error: unknown, request: FastifyRequest) => void;
}

/** The Fastify request behind a raw request, so that errors are logged with its request id. */
const fastifyRequestOf = new WeakMap<object, FastifyRequest>();

/**
 * A query parameter named like an Object.prototype property (`__proto__`, `constructor`, `toString`…).
 * trpc-to-openapi gathers parameters into a plain object and would call `.push` on the inherited
 * property (a TypeError, so a 500); no operation has such a parameter, so it is an unknown field.
 */
function inheritedQueryKey(url: string): string | undefined {
  const start = url.indexOf('?');
  if (start === -1) return undefined;
  for (const key of new URLSearchParams(url.slice(start + 1)).keys()) {
    if (key in Object.prototype) return key;
  }
  return undefined;
}

/**
 * Path parameter names of every REST route (`id`, `step_id`). trpc-to-openapi spreads the path over the
 * body, so a body key of such a name would be silently replaced instead of rejected as unknown.
 */
const PATH_PARAMETERS = new Set(
  [...PROCEDURE_META.values()].flatMap((meta) =>
    [...(meta.openapi?.path.matchAll(/\{(\w+)\}/g) ?? [])].flatMap((match) => (match[1] ? [match[1]] : [])),
  ),
);

function pathParameterInBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  return Object.keys(body).find((key) => PATH_PARAMETERS.has(key));
}

const unknownField = (key: string) => ({
  error: 'validation_failed',
  message: 'Input validation failed',
  details: { issues: [{ path: [key], message: 'Unknown field' }] },
});

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
    createContext: ({ req }) => {
      const request = fastifyRequestOf.get(req);
      return options.createContext({ req: { headers: req.headers, ip: request?.ip, id: request?.id } });
    },
    responseMeta: ({ paths, errors, ctx }) => {
      // Headers the procedures asked for (Retry-After, Idempotent-Replayed) go out with any status.
      const headers = ctx?.responseHeaders ?? {};
      // Errors keep the bridge's status for their tRPC code; successes get the procedure's own.
      return errors.length === 0 && paths?.[0]
        ? { status: restSuccessStatus(paths[0]), headers }
        : { headers };
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
        const unknown = inheritedQueryKey(request.url) ?? pathParameterInBody(request.body);
        if (unknown !== undefined) return sendError(reply, 400, unknownField(unknown));
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
        for (const name of PASSED_ERROR_HEADERS) {
          const value = res.headers[name];
          if (value !== undefined) void reply.header(name, value);
        }
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
      // A body nested too deeply (hardening.ts) is well-formed JSON: say what is wrong with it.
      const parseMessage = error.code === 'JSON_TOO_DEEP' ? error.message : 'Malformed JSON body';
      const details = code === 'validation_failed' ? { issues: [{ path: [], message: parseMessage }] } : {};
      const message =
        code === 'validation_failed'
          ? parseMessage
          : code === 'payload_too_large'
            ? 'Request body is too large'
            : code === 'unsupported_media_type'
              ? 'Request body must be application/json'
              : error.message;
      return sendError(reply, status, { error: code, message, details });
    });
  };
}
