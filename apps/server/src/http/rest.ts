import {
  type Context,
  ERROR_CODES,
  type ErrorResponse,
  EVENT_STREAM_PATH,
  frameworkErrorResponse,
  headersWithoutVersion,
  internalErrorBody,
  invokeProcedure,
  noRouteResponse,
  REST_OPERATIONS,
  type RestOperation,
  toErrorBody,
  toTrpcError,
} from '@campaigns/api';
import { conditionMatches, validationFailed } from '@campaigns/core';
import { getTRPCErrorFromUnknown, TRPCError } from '@trpc/server';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { streamEvents } from './event-stream';
import { parseRestJson } from './hardening';
import type { ContextOf } from './request-context';

export interface RestOptions {
  contextOf: ContextOf;
  onInternalError: (error: unknown, request: FastifyRequest) => void;
}

const unknownField = (key: string) =>
  toTrpcError(validationFailed([{ path: [key], message: 'Unknown field' }]));

function sendError(reply: FastifyReply, { status, body }: ErrorResponse): FastifyReply {
  if (status === 401) void reply.header('www-authenticate', 'Bearer');
  return reply.code(status).type('application/json').send(body);
}

type Query = Record<string, string | string[] | undefined>;

/** A decimal number as a query string writes it; anything else is left as text for the schema to reject. */
const DECIMAL = /^-?\d{1,16}(\.\d{1,16})?$/;

/**
 * The input of a GET or DELETE: its query parameters (a repeated one as a list, which no schema
 * accepts), numeric fields read as numbers. An empty parameter (`?limit=`) is an empty string.
 */
function queryInput(query: Query, numeric: ReadonlySet<string>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(query)) {
    const value = query[key];
    if (value === undefined) continue;
    input[key] = numeric.has(key) && typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
  }
  return input;
}

/**
 * What is wrong with a request before its operation can run, as a contract error: a body that is not
 * JSON, a body field named like a path parameter (it would otherwise be silently replaced), or a query
 * parameter named like an Object.prototype property (`__proto__`, `constructor`…).
 */
function requestShapeError(operation: RestOperation, request: FastifyRequest): TRPCError | undefined {
  if (operation.readsBody) {
    if (!isJsonMediaType(request.headers['content-type']))
      return new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    const { body } = request;
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const clash = operation.pathParameters.find((name) => Object.hasOwn(body, name));
      if (clash !== undefined) return unknownField(clash);
    }
    return undefined;
  }
  const inherited = Object.keys(request.query as Query).find((key) => key in Object.prototype);
  return inherited === undefined ? undefined : unknownField(inherited);
}

/** A read whose `If-None-Match` names the version it would return: `304`, no body (API.md). */
function notModified(operation: RestOperation, request: FastifyRequest, etag: string | undefined): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  return (
    operation.type === 'query' &&
    etag !== undefined &&
    typeof ifNoneMatch === 'string' &&
    conditionMatches(ifNoneMatch, etag, { weak: true })
  );
}

/** `application/json`, with any parameters; media types are case-insensitive (RFC 9110 §8.3.1). */
const isJsonMediaType = (contentType: string | undefined) =>
  contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';

/** `/v1/messaging/campaigns/{id}` → `/messaging/campaigns/:id` (the plugin is registered under `/v1`). */
function fastifyUrl(path: string): string {
  if (!path.startsWith('/v1/')) throw new Error(`REST operation outside /v1: ${path}`);
  return path.slice('/v1'.length).replace(/\{(\w+)\}/g, ':$1');
}

/**
 * The `/v1` REST surface: one Fastify route per operation of the router's OpenAPI metadata
 * (`REST_OPERATIONS`), each calling its tRPC procedure directly — the same middlewares, validation and
 * domain errors as `/trpc` — with every non-2xx answer, ours or Fastify's, in the contract's
 * `{error, message, details}` shape. The OpenAPI document is generated from the same metadata by
 * trpc-to-openapi; its request handler is not used (docs/performance.md says why).
 * Register with `prefix: '/v1'`.
 */
export function restPlugin(options: RestOptions) {
  /** The operation's procedure, called as tRPC's adapter calls it; `input` is read only when needed. */
  const invoke = (operation: RestOperation, ctx: Context, rawInput: () => unknown) =>
    invokeProcedure({ path: operation.procedurePath, type: operation.type, ctx, rawInput });

  /**
   * Before the body is read: a token that fails verification is answered now. The procedure refuses such
   * a call (429 or 401) in its first middleware, before it asks for any input, so an unauthenticated
   * megabyte is never parsed (API.md, Limits).
   */
  const refuseUnauthenticated = (operation: RestOperation) =>
    async function refuse(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
      const ctx = await options.contextOf(request);
      if (ctx.auth.ok) return undefined;
      try {
        await invoke(operation, ctx, () => undefined);
      } catch (cause) {
        return sendFailure(reply, request, ctx, cause);
      }
      throw new Error(`${operation.procedurePath} answered a caller without a valid token`);
    };

  const handler = (operation: RestOperation) =>
    async function restOperation(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
      const invalid = requestShapeError(operation, request);
      if (invalid) return sendMappedError(reply, request, invalid, {});
      const params = request.params as Record<string, string>;
      const ctx = await options.contextOf(request);
      try {
        // As trpc-to-openapi did: the body (or query) with the path parameters over it.
        const data: unknown = await invoke(operation, ctx, () =>
          operation.readsBody
            ? { ...(request.body as object), ...params }
            : { ...queryInput(request.query as Query, operation.numericQueryParameters), ...params },
        );
        // Headers the procedures asked for (Idempotent-Replayed, ETag, RateLimit).
        const headers = ctx.responseHeaders ?? {};
        if (notModified(operation, request, headers.etag)) return reply.code(304).headers(headers).send();
        return reply.code(operation.successStatus).headers(headers).send(data);
      } catch (cause) {
        return sendFailure(reply, request, ctx, cause);
      }
    };

  /** What a procedure threw, answered with the headers it asked for but the campaign's version. */
  const sendFailure = (reply: FastifyReply, request: FastifyRequest, ctx: Context, cause: unknown) =>
    sendMappedError(
      reply,
      request,
      getTRPCErrorFromUnknown(cause),
      headersWithoutVersion(ctx.responseHeaders),
    );

  /** An error in the contract's shape and status, through the one mapping (errors/mapping.ts). */
  function sendMappedError(
    reply: FastifyReply,
    request: FastifyRequest,
    error: TRPCError,
    headers: Record<string, string>,
  ): FastifyReply {
    const body = toErrorBody(error);
    if (body.error === 'internal') {
      options.onInternalError(error.cause ?? error, request);
      return sendError(reply, { status: 500, body: internalErrorBody(request.id) });
    }
    // Headers the procedures asked for (Retry-After) go out with the error too.
    void reply.headers(headers);
    return sendError(reply, { status: ERROR_CODES[body.error].status, body });
  }

  return async function rest(scope: FastifyInstance): Promise<void> {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseRestJson(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    });

    // POST /cancel and friends need no body; let callers send none rather than `{}`.
    scope.addHook('preHandler', (request, _reply, done) => {
      if (request.body === undefined && request.headers['content-type'] === undefined) {
        request.headers['content-type'] = 'application/json';
        request.body = {};
      }
      done();
    });

    // The live stream: text/event-stream, not a JSON operation (API.md, Live stream).
    scope.get(fastifyUrl(EVENT_STREAM_PATH), async (request, reply) => {
      const ctx = await options.contextOf(request);
      return streamEvents(request, reply, ctx, (cause) => sendFailure(reply, request, ctx, cause));
    });

    for (const operation of REST_OPERATIONS) {
      scope.route({
        method: operation.method,
        url: fastifyUrl(operation.path),
        onRequest: refuseUnauthenticated(operation),
        handler: handler(operation),
      });
    }

    scope.setNotFoundHandler((request, reply) =>
      sendError(reply, noRouteResponse(request.method, request.url)),
    );

    // Fastify's own errors before our handler runs: malformed JSON, body too large, media type.
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const response = frameworkErrorResponse(error, request.id);
      if (response.status >= 500) options.onInternalError(error, request);
      return sendError(reply, response);
    });
  };
}
