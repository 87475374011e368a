import { API_ERROR_CODES, type ApiErrorCode, ErrorBodySchema, SCOPES } from '@campaigns/contract';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { ERROR_CODES } from '../errors/mapping';
import { PROCEDURE_META } from '../procedure-meta';
import { appRouter } from '../router';
import { EVENT_STREAM_PATH } from '../routers/campaigns/meta';
import type { Meta } from '../trpc';
import { boundSchemas } from './bounds';
import { canonicalOrder } from './canonical';

export interface DocumentOptions {
  /** Where the API is served, e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  version?: string;
}

const ERROR_REF = { $ref: '#/components/schemas/ErrorResponse' };

/** The document's tags; every operation has one of them (`restRoute` in the campaigns router). */
const TAGS = [
  {
    name: 'campaigns',
    description:
      'Campaigns of ordered message steps: create and edit drafts, schedule, unschedule or cancel them, ' +
      'and follow the deliveries of their steps.',
  },
  {
    name: 'events',
    description: 'The event feed: every change and every fired step, as a list and as a live stream.',
  },
  {
    name: 'webhooks',
    description:
      'Endpoints that receive the event feed, signed per Standard Webhooks, retried until delivered.',
  },
];

interface ResponseObject {
  description?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: unknown }>;
}
type Operation = {
  responses?: Record<string, ResponseObject>;
  security?: Array<Record<string, string[]>>;
  requestBody?: unknown;
};

/**
 * A POST that takes nothing but its path (cancel, unschedule): it may be sent without a body, and a
 * JSON body, if any, must be the empty object; any field is 400 (unknown keys are refused everywhere).
 */
const NO_FIELDS_BODY = {
  required: false,
  description:
    'None needed. A client that always sends JSON may send `{}`; any field is 400 `validation_failed`.',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {},
        additionalProperties: false,
        maxProperties: 0,
        examples: [{}],
      },
    },
  },
};

const BEARER_DESCRIPTION =
  'A JWT (RFC 7519) in `Authorization: Bearer <token>`, verified following RFC8725 (JSON Web Token best current practices): HS256 with the server’s ' +
  'secret, or RS256/ES256 against its JWKS; `exp` is required, `iss`/`aud` are checked when configured. ' +
  'Claims: `sub` (the caller, recorded as `created_by`), `brand_id` (the tenant: a caller sees only its ' +
  'brand) and `scope`, space-separated: `messaging:campaigns:read` for reads, ' +
  '`messaging:campaigns:write` for every change. Each operation names the scope it needs. For a ' +
  'development server, `pnpm --silent run token --brand brand_demo --sub user_demo` prints a token.';

const header = (
  description: string,
  schema: Record<string, unknown> = { type: 'string' },
  required = false,
) => ({
  description,
  ...(required ? { required: true } : {}),
  schema,
});

/** Response headers the server sends, declared once and referenced per status (`headersFor`). */
const HEADERS = {
  RateLimit: header(
    'The caller’s current allowance (IETF draft-ietf-httpapi-ratelimit-headers): `"per-token";r=<calls left>;t=<seconds until the allowance is full again>`.',
  ),
  RateLimitPolicy: header(
    'The rate limit policy: `"per-token";q=<calls>;w=60` — calls per 60 s per token, shared by every server process.',
  ),
  RetryAfter: header('Seconds to wait before retrying.', { type: 'integer', minimum: 1 }, true),
  WWWAuthenticate: header(
    '`Bearer`: the authentication scheme to use (RFC 9110 §11.6.1).',
    { type: 'string' },
    true,
  ),
  IdempotentReplayed: header(
    '`true` when this is the stored first response to an earlier request with the same `Idempotency-Key`.',
    {
      type: 'string',
      enum: ['true'],
    },
  ),
  ETag: header(
    'The campaign’s version (of the Campaign returned, or of the campaign whose Step or steps were returned): `"<updated_at>"`, a strong entity tag. Send it as `If-Match` to make a change conditional.',
    { type: 'string', pattern: '^"[^"]*"$' },
    true,
  ),
  XRequestId: header(
    'The request’s id (the caller’s `X-Request-Id` when it is sane); an internal error names it.',
  ),
} as const;
const headerRef = (name: keyof typeof HEADERS) => ({ $ref: `#/components/headers/${name}` });

/** The headers a response with this status may carry (required ones marked by the schema's own text). */
function headersFor(status: number, write: boolean, versioned: boolean): Record<string, unknown> {
  const headers: Record<string, unknown> = {
    'X-Request-Id': headerRef('XRequestId'),
    RateLimit: headerRef('RateLimit'),
    'RateLimit-Policy': headerRef('RateLimitPolicy'),
  };
  if (versioned && (status < 300 || status === 304)) headers.ETag = headerRef('ETag');
  if (status < 300 && write) headers['Idempotent-Replayed'] = headerRef('IdempotentReplayed');
  if (status === 401) headers['WWW-Authenticate'] = headerRef('WWWAuthenticate');
  if (status === 429 || status === 503) headers['Retry-After'] = headerRef('RetryAfter');
  // Sent with `idempotency_key_in_progress` only.
  if (status === 409) headers['Retry-After'] = { ...HEADERS.RetryAfter, required: false };
  return headers;
}

/** `"get /v1/messaging/campaigns"` → its procedure's metadata. */
function metaByOperation(): Map<string, Meta> {
  const byOperation = new Map<string, Meta>();
  for (const meta of PROCEDURE_META.values()) {
    if (meta.openapi) byOperation.set(`${meta.openapi.method.toLowerCase()} ${meta.openapi.path}`, meta);
  }
  return byOperation;
}

/**
 * A 412's body: the shared Error shape, narrowed (OpenAPI 3.1 schemas may put keywords beside `$ref`)
 * to `bad_state` and the `details.reason` values this operation can give.
 */
/** The contract's `error` codes answered with each status (errors/mapping.ts, the one table). */
const CODES_BY_STATUS = new Map<number, ApiErrorCode[]>();
for (const code of API_ERROR_CODES) {
  const { status } = ERROR_CODES[code];
  CODES_BY_STATUS.set(status, [...(CODES_BY_STATUS.get(status) ?? []), code]);
}

// Node answers an over-long request head itself, before any route; the server gives it this code.
CODES_BY_STATUS.set(431, ['payload_too_large']);

/** An error status's body: the shared ErrorResponse, its `error` narrowed to that status's codes. */
const errorSchemaFor = (status: number) => {
  const codes = CODES_BY_STATUS.get(status);
  return codes ? { ...ERROR_REF, properties: { error: { type: 'string', enum: codes } } } : ERROR_REF;
};

/**
 * A 412's body: `bad_state` with this operation's `details.reason` values, and for a change that takes
 * `If-Match` also `precondition_failed` with `version_mismatch` and `current_etag`.
 */
const badStateSchema = (reasons: readonly string[], versioned: boolean) => ({
  ...ERROR_REF,
  properties: {
    error: { type: 'string', enum: versioned ? ['bad_state', 'precondition_failed'] : ['bad_state'] },
    details: {
      type: 'object',
      properties: {
        reason: { type: 'string', enum: versioned ? [...reasons, 'version_mismatch'] : [...reasons] },
        ...(versioned
          ? {
              current_etag: {
                type: 'string',
                description: 'With `version_mismatch`: the campaign’s current version, as an `ETag`',
              },
            }
          : {}),
      },
      required: ['reason'],
    },
  },
  required: ['error', 'message', 'details'],
});

const NOT_MODIFIED = {
  description: 'Not modified: the `If-None-Match` names the campaign’s current version. No body.',
};

/**
 * The live stream is not a JSON operation (it is served by the tRPC subscription campaigns.onEvent,
 * written as text/event-stream), so trpc-to-openapi does not see it: it is declared here.
 */
function eventStreamPathItem() {
  const errors: Record<number, string> = {
    400: 'Unknown `Last-Event-ID`, or an unknown query parameter',
    401: 'Missing, malformed, badly signed or expired bearer token',
    403: 'The token lacks the required scope',
    429: 'Over the per-token rate limit, or the token already holds 10 open streams on this process (`details.reason: too_many_streams`)',
    431: 'The request head is over the server’s limit; `payload_too_large`',
    500: 'Unexpected server error',
    503: 'The database is unreachable (`unavailable`); retry after the `Retry-After` header’s seconds',
  };
  return {
    get: {
      operationId: 'streamEvents',
      summary: 'Stream events',
      description:
        'The brand’s events as they commit, as `text/event-stream`: each message has `id:` (the event id) and ' +
        '`data:` (the Event JSON, as in `listEvents`). Send `Last-Event-ID` to resume after that event, in ' +
        'commit order with nothing skipped. A `: ping` comment comes at least every 15 s. The token goes in ' +
        'the `Authorization` header (never in the URL): use a fetch-based SSE client. Every process of the ' +
        'service delivers every event within about a second of its commit.',
      tags: ['campaigns'],
      security: [{ bearerAuth: [SCOPES.read] }],
      parameters: [
        {
          name: 'campaign_id',
          in: 'query' as const,
          required: false,
          description: 'Only this campaign’s events',
          schema: { type: 'string' as const, maxLength: 256 },
        },
        {
          name: 'Last-Event-ID',
          in: 'header' as const,
          required: false,
          description: 'Resume after this event (the `id:` of the last message received)',
          schema: { type: 'string' as const, maxLength: 512 },
        },
      ],
      responses: {
        200: {
          description: 'The stream; it stays open',
          headers: headersFor(200, false, false),
          content: {
            'text/event-stream': {
              schema: {
                type: 'string' as const,
                maxLength: 1_000_000_000,
                example:
                  'id: evt_3c2b1a09f8e7d6c5b4a3928170f6e5d4\ndata: {"id":"evt_3c2b1a09f8e7d6c5b4a3928170f6e5d4","type":"campaign.scheduled"}\n\n',
              },
            },
          },
        },
        ...Object.fromEntries(
          Object.entries(errors).map(([status, description]) => [
            status,
            {
              description,
              headers: headersFor(Number(status), false, false),
              content: { 'application/json': { schema: errorSchemaFor(Number(status)) } },
            },
          ]),
        ),
      },
    },
  };
}

/** `"POST /v1/messaging/campaigns"` → the success status the REST handler sends for it. */
function successStatuses(): Map<string, number> {
  const statuses = new Map<string, number>();
  for (const meta of PROCEDURE_META.values()) {
    if (meta.openapi && meta.successStatus) {
      statuses.set(`${meta.openapi.method.toLowerCase()} ${meta.openapi.path}`, meta.successStatus);
    }
  }
  return statuses;
}

/**
 * The OpenAPI 3.1 document of the REST surface, generated from the router's Zod schemas and metadata.
 * trpc-to-openapi always writes `200` and an inline error schema per response; this moves creates to
 * their real status and points every error response at one shared `Error` component.
 */
export function buildOpenApiDocument(options: DocumentOptions): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: 'Messaging campaigns API',
    description:
      'Campaigns of ordered message steps, scheduled and dispatched exactly once. Every error response ' +
      'has the body `{error, message, details}`.\n\n' +
      '**Authentication:** every call needs `Authorization: Bearer <JWT>` with the brand and scopes it ' +
      'acts with (see `bearerAuth`). On a development server, print a token with ' +
      '`pnpm --silent run token --brand brand_demo --sub user_demo`, or sign in to the web app at `/`.',
    version: options.version ?? '1.0.0',
    baseUrl: options.baseUrl,
    contact: { name: 'Messaging campaigns team' },
    tags: TAGS.map((tag) => tag.name),
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: BEARER_DESCRIPTION },
    },
    defs: { ErrorResponse: ErrorBodySchema },
  });

  const statuses = successStatuses();
  const metas = metaByOperation();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
      // OpenAPI 3.1 lets a requirement of any scheme list scopes: the one this operation needs.
      const meta = metas.get(`${method} ${path}`);
      if (meta?.scope && operation.security) operation.security = [{ bearerAuth: [meta.scope] }];
      const responses = operation.responses;
      if (!responses) continue;
      const status = statuses.get(`${method} ${path}`);
      if (status && status !== 200 && responses['200']) {
        responses[String(status)] = responses['200'];
        delete responses['200'];
      }
      const declared = (meta?.openapi?.errorResponses ?? {}) as Record<string, string>;
      for (const [code, response] of Object.entries(responses)) {
        if (Number(code) < 400) continue;
        // trpc-to-openapi reuses the first operation's response object per tRPC code: say this one's.
        const description = declared[code];
        const own: ResponseObject =
          description === undefined ? { ...response } : { ...response, description };
        if (own.content?.['application/json']) {
          const reasons = meta?.badStateReasons;
          const schema =
            code === '412' && reasons
              ? badStateSchema(reasons, meta?.versioning === 'change')
              : errorSchemaFor(Number(code));
          own.content = { 'application/json': { schema } };
        }
        responses[code] = own;
      }
      if (method === 'post' && operation.requestBody === undefined) operation.requestBody = NO_FIELDS_BODY;
      if (meta?.versioning === 'read') responses['304'] = { ...NOT_MODIFIED };
      const write = method !== 'get';
      const versioned = meta?.versioning !== undefined;
      for (const [code, response] of Object.entries(responses)) {
        response.headers = headersFor(Number(code), write, versioned);
      }
    }
  }
  document.paths = { ...document.paths, [EVENT_STREAM_PATH]: eventStreamPathItem() };
  // The generator's per-code error schemas (`error.NOT_FOUND`, …) are unreferenced now: drop them.
  const schemas = document.components?.schemas ?? {};
  const text = JSON.stringify(document);
  for (const name of Object.keys(schemas)) {
    if (name.startsWith('error.') && !text.includes(`"#/components/schemas/${name}"`)) delete schemas[name];
  }
  document.components = { ...document.components, headers: HEADERS };
  document.tags = TAGS;
  // Spectral OWASP API9: say who a server is for. This document describes the public REST surface.
  for (const server of document.servers ?? []) Object.assign(server, { 'x-internal': false });
  boundSchemas(document);
  return canonicalOrder(document);
}
