import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * HTTP-level protections of the one server (docs/hardening.md): security headers on every response,
 * CORS for configured origins only, and a nesting limit on JSON bodies. Added to the root instance so
 * that they cover every route, REST, tRPC, the docs, health checks and the web app alike.
 */

/** How deep a request's JSON may nest (objects and arrays), not counting tRPC's own envelope. */
export const MAX_JSON_DEPTH = 32;
/** tRPC wraps an input in `{"json": …}`, and a batch in `{"0": …}`: two levels that are not the input's. */
const TRPC_ENVELOPE_DEPTH = 2;

/** For API answers: nothing may load, nothing may frame them. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/**
 * For HTML pages (the /docs reference, the web app): only framing is forbidden. Their scripts, styles
 * and fonts (Scalar loads some from its CDN) are left alone rather than broken by a guessed policy.
 */
const PAGE_CSP = "frame-ancestors 'none'";

export interface SecurityHeadersOptions {
  /** Strict-Transport-Security max-age in seconds; null: no HSTS header. */
  hstsMaxAgeSeconds: number | null;
}

export function addSecurityHeaders(app: FastifyInstance, options: SecurityHeadersOptions): void {
  const hsts =
    options.hstsMaxAgeSeconds === null
      ? undefined
      : `max-age=${options.hstsMaxAgeSeconds}; includeSubDomains`;
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    const html = typeof type === 'string' && type.startsWith('text/html');
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    void reply.header('x-frame-options', 'DENY');
    void reply.header('content-security-policy', html ? PAGE_CSP : API_CSP);
    if (hsts) void reply.header('strict-transport-security', hsts);
    return payload;
  });
}

const CORS_PATH = /^\/(?:v1|trpc|openapi\.json)(?:[/?]|$)/;
const CORS_METHODS = 'GET, POST, PATCH, DELETE';
const CORS_REQUEST_HEADERS = 'authorization, content-type, idempotency-key, x-request-id, trpc-accept';
const CORS_EXPOSED_HEADERS = 'retry-after, x-request-id, idempotent-replayed, www-authenticate';
const CORS_MAX_AGE_SECONDS = '600';

export interface CorsOptions {
  /** Exact origins (`https://app.example.com`); any other origin gets no CORS header at all. */
  origins: readonly string[];
}

/**
 * CORS for the API paths (/v1, /trpc, /openapi.json), allowed origins only. An allowed origin's
 * preflight is answered here with 204; any other origin's requests carry no `Access-Control-*` header,
 * so the browser refuses them (its preflight falls through to the route, typically a 404).
 */
export function addCors(app: FastifyInstance, options: CorsOptions): void {
  if (options.origins.length === 0) return;
  const allowed = new Set(options.origins);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!CORS_PATH.test(request.url)) return;
    void reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined || !allowed.has(origin)) return;
    void reply.header('access-control-allow-origin', origin);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      return reply
        .code(204)
        .header('access-control-allow-methods', CORS_METHODS)
        .header('access-control-allow-headers', CORS_REQUEST_HEADERS)
        .header('access-control-max-age', CORS_MAX_AGE_SECONDS)
        .send();
    }
    void reply.header('access-control-expose-headers', CORS_EXPOSED_HEADERS);
  });
}

/** Whether JSON text nests objects/arrays deeper than `max`; a linear scan that skips strings. */
export function jsonTextTooDeep(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Whether a parsed JSON value nests objects/arrays deeper than `max`; iterative, any depth is safe. */
export function jsonValueTooDeep(value: unknown, max: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (typeof top.value !== 'object' || top.value === null) continue;
    const depth = top.depth + 1;
    if (depth > max) return true;
    for (const child of Object.values(top.value)) stack.push({ value: child, depth });
  }
  return false;
}

/** The error a body nested too deeply is answered with (400; REST's handler keeps its message). */
export class JsonTooDeepError extends Error {
  readonly statusCode = 400;
  readonly code = 'JSON_TOO_DEEP';
  constructor(max: number) {
    super(`JSON body nests deeper than ${max} levels`);
  }
}

/**
 * Refuses JSON bodies nested deeper than MAX_JSON_DEPTH with 400, before anything walks them
 * recursively (a 1 MiB body can nest half a million levels; serializing that overflows the stack).
 * REST bodies arrive parsed; tRPC's arrive as text (its adapter parses them itself).
 */
export function addJsonDepthLimit(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    const { body } = request;
    if (body === undefined || body === null) return;
    const trpc = request.url.startsWith('/trpc');
    const max = MAX_JSON_DEPTH + (trpc ? TRPC_ENVELOPE_DEPTH : 0);
    const tooDeep = typeof body === 'string' ? jsonTextTooDeep(body, max) : jsonValueTooDeep(body, max);
    if (tooDeep) throw new JsonTooDeepError(MAX_JSON_DEPTH);
  });
}
