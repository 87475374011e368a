import type { IncomingMessage, ServerResponse } from 'node:http';
import { REQUEST_LIMITS } from '@campaigns/contract';
import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import secureJson from 'secure-json-parse';

/**
 * HTTP-level protections of the one server (docs/hardening.md): security headers on every response,
 * CORS for configured origins only, and a nesting limit on JSON bodies. Added to the root instance so
 * that they cover every route, REST, tRPC, the docs, health checks and the web app alike.
 */

/**
 * How deep a request's JSON may nest (objects and arrays; API.md, Limits): a REST body's top-level object
 * is level 1, and so is a tRPC call's input, inside tRPC's own envelope (`{"json": …}`, and `{"0": …}`
 * around that in a batch), which is not counted.
 */
export const MAX_JSON_DEPTH = REQUEST_LIMITS.maxJsonDepth;

/** For API answers: nothing may load, nothing may frame them. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/**
 * For HTML pages (the /docs reference, the web app): only framing is forbidden. Their scripts and styles
 * (Scalar injects inline ones) are left alone rather than broken by a guessed policy; neither page loads
 * anything from another origin (apps/web/test/docs-page.test.ts, e2e.test.ts).
 */
const PAGE_CSP = "frame-ancestors 'none'";

/** Paths that answer JSON only; a response there without a content type still gets the API policy. */
const JSON_API_PATH = /^\/(?:v1|trpc|openapi\.json|healthz|readyz|dev)(?:[/?]|$)/;

export interface SecurityHeadersOptions {
  /** Strict-Transport-Security max-age in seconds; null: no HSTS header. */
  hstsMaxAgeSeconds: number | null;
}

/**
 * The headers helmet sets for `options`, computed once: helmet's own middleware run against a response
 * that records them. Without a CSP (chosen per response below) they are the same for every response, so
 * applying the recorded object is exact; @fastify/helmet ran helmet's middleware chain on each request,
 * every header through Node's validating `setHeader` — ~12 µs of an update's CPU in the in-process
 * profile, against ~1 µs for this (docs/performance.md).
 */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: number | string | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure !== undefined) throw failure;
  return headers;
}

/**
 * Helmet's headers on every response (nosniff, frame denial, no referrer, HSTS when configured, and its
 * other defaults), and a Content-Security-Policy chosen per response: which policy applies depends on
 * what is sent (an API answer or a page), known only then.
 */
export function addSecurityHeaders(app: FastifyInstance, options: SecurityHeadersOptions): void {
  const headers = helmetHeaders({
    contentSecurityPolicy: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity:
      options.hstsMaxAgeSeconds === null
        ? false
        : { maxAge: options.hstsMaxAgeSeconds, includeSubDomains: true, preload: false },
  });
  // Set on the request, with the CSP the path suggests, for a hijacked reply (the event stream) that
  // writes its own head and skips onSend; onSend below settles the CSP for every other.
  const apiHeaders = { ...headers, 'content-security-policy': API_CSP };
  const pageHeaders = { ...headers, 'content-security-policy': PAGE_CSP };
  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(JSON_API_PATH.test(request.url) ? apiHeaders : pageHeaders);
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    // A 304 carries no content type, and the browser applies its headers to the page it has cached: a
    // revalidated web-app page given the API's `default-src 'none'` would load no script (a blank page).
    const html = typeof type === 'string' ? type.startsWith('text/html') : !JSON_API_PATH.test(request.url);
    void reply.header('content-security-policy', html ? PAGE_CSP : API_CSP);
    done(null, payload);
  });
}

const CORS_PATH = /^\/(?:v1|trpc|openapi\.json)(?:[/?]|$)/;

export interface CorsOptions {
  /** Exact origins (`https://app.example.com`); any other origin gets no CORS header at all. */
  origins: readonly string[];
}

/**
 * CORS (@fastify/cors) for the API paths (/v1, /trpc, /openapi.json), allowed origins only. An allowed
 * origin's preflight is answered with 204; any other origin's requests carry no `Access-Control-*`
 * header, so the browser refuses them.
 */
export function addCors(app: FastifyInstance, options: CorsOptions): void {
  if (options.origins.length === 0) return;
  const allowed = new Set(options.origins);
  const api = {
    origin: (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) =>
      callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'idempotency-key',
      'x-request-id',
      'trpc-accept',
      'if-match',
      'if-none-match',
      'last-event-id',
    ],
    exposedHeaders: ['retry-after', 'x-request-id', 'idempotent-replayed', 'www-authenticate', 'etag'],
    maxAge: 600,
    optionsSuccessStatus: 204,
  };
  void app.register(fastifyCors, {
    hook: 'onRequest',
    delegator: (request, callback) =>
      callback(null, CORS_PATH.test(request.url ?? '') ? api : { origin: false }),
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

/** A request body that is well-formed JSON but refused (400 `validation_failed`, with this message). */
export class RefusedJsonError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly code: 'JSON_TOO_DEEP' | 'JSON_FORBIDDEN_KEY',
    message: string,
  ) {
    super(message);
  }
}

export const jsonTooDeep = () =>
  new RefusedJsonError('JSON_TOO_DEEP', `JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
export const FORBIDDEN_KEY_MESSAGE =
  'JSON body must not contain a "__proto__" or "constructor.prototype" key';

/** secure-json-parse's own words for the keys it refuses (Fastify's JSON parser on REST uses it). */
export const isForbiddenKeyError = (error: { message: string }) =>
  /forbidden (prototype|constructor) property/.test(error.message);

// secure-json-parse's patterns for a `__proto__` or `constructor` key, escapes included.
const SUSPECT_PROTO =
  /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const SUSPECT_CONSTRUCTOR =
  /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

/**
 * The checks REST's parser makes, for a tRPC payload (which tRPC parses itself): nesting, counted as on
 * REST, and `__proto__` / `constructor.prototype` keys, refused with the same rule (secure-json-parse,
 * which only parses when its quick scan of the text finds such a key). Malformed JSON is left to tRPC.
 */
export function trpcJsonProblem(text: string, isBatch: boolean): RefusedJsonError | undefined {
  if (jsonTextTooDeep(text, MAX_JSON_DEPTH + (isBatch ? 2 : 1))) return jsonTooDeep();
  // secure-json-parse parses first and scans after; its quick test (the same patterns) spares the common
  // case a second parse, since tRPC parses the text again itself.
  if (!SUSPECT_PROTO.test(text) && !SUSPECT_CONSTRUCTOR.test(text)) return undefined;
  try {
    secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    if (error instanceof Error && isForbiddenKeyError(error)) {
      return new RefusedJsonError('JSON_FORBIDDEN_KEY', FORBIDDEN_KEY_MESSAGE);
    }
  }
  return undefined;
}

/** A body that is not JSON at all (400 `validation_failed`, "Malformed JSON body"). */
class MalformedJsonError extends Error {
  readonly statusCode = 400;
  readonly code = 'JSON_MALFORMED';
}

/**
 * REST's JSON parser: Fastify's own rule (secure-json-parse, `__proto__` and `constructor.prototype`
 * refused), but saying which rule a refused body broke, as tRPC's check does (trpcJsonProblem).
 */
export function parseRestJson(text: string): unknown {
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    if (error instanceof Error && isForbiddenKeyError(error)) {
      throw new RefusedJsonError('JSON_FORBIDDEN_KEY', FORBIDDEN_KEY_MESSAGE);
    }
    throw new MalformedJsonError('Malformed JSON body');
  }
}

/**
 * Refuses REST bodies nested deeper than MAX_JSON_DEPTH with 400, before anything walks them
 * recursively (a 1 MiB body can nest half a million levels; serializing that overflows the stack).
 * tRPC's payloads are checked in its own scope (trpc.ts, trpcJsonProblem).
 */
export function addJsonDepthLimit(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => {
    const { body } = request;
    const tooDeep = typeof body === 'object' && body !== null && jsonValueTooDeep(body, MAX_JSON_DEPTH);
    done(tooDeep ? jsonTooDeep() : undefined);
  });
}
