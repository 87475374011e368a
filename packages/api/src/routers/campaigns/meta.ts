import type { BadStateReason } from '@campaigns/contract';
import { IDEMPOTENCY } from '@campaigns/core';
import { z } from 'zod';
import type { Meta } from '../../trpc';

type OpenApi = NonNullable<Meta['openapi']>;

/** Error responses every authenticated operation can give; 412 is added where a state rule applies. */
const COMMON_ERRORS = {
  400: 'Validation failed',
  401: 'Missing, malformed, badly signed or expired bearer token',
  403: 'The token lacks the required scope',
  404: 'Campaign not found (or another brand’s)',
  408: 'The request (head and body) did not arrive within the server’s time limit (30 s by default)',
  429: 'Over the per-token rate limit; retry after the `Retry-After` header’s seconds',
  431: 'The request head (request line and headers) is over the server’s limit (16 KiB by default); `payload_too_large`',
  500: 'Unexpected server error',
  503: 'The database is unreachable (`unavailable`); retry after the `Retry-After` header’s seconds',
} as const;

/** Request headers of optimistic concurrency (API.md, "Optimistic concurrency"). */
const IF_MATCH = z
  .string()
  .max(512)
  .optional()
  .meta({
    description:
      'Apply the change only to this version of the campaign: the `ETag` of a response that returned it ' +
      '(or its Step), i.e. `"<updated_at>"`. A stale one is 412 `precondition_failed` ' +
      '(`version_mismatch`, with `current_etag`) and nothing changes. Without it the change is unconditional.',
    example: '"2030-11-23T10:00:00.000Z"',
  });
const IF_NONE_MATCH = z.string().max(512).optional().meta({
  description:
    'The `ETag` of the campaign you have: when it is still current the answer is 304 with no body.',
  example: '"2030-11-23T10:00:00.000Z"',
});
const VERSION_MISMATCH =
  '`version_mismatch` (error `precondition_failed`): the `If-Match` names another version than the ' +
  'current one, which `details.current_etag` gives';

/** Write operations take an `Idempotency-Key` (docs/hardening.md) and can answer 409 because of it. */
const WRITE_METHODS = new Set(['POST', 'PATCH', 'DELETE']);
const IDEMPOTENCY_CONFLICT =
  'The `Idempotency-Key` was used with a different request (`idempotency_key_reused`), or its first ' +
  'request is still in progress (`idempotency_key_in_progress`)';
/**
 * The `Idempotency-Key` header of one operation. Its example is the operation's own, so the document's
 * samples can be pasted in any order: one key shared by every sample made the second one a 409.
 */
const idempotencyKeyHeader = (operationId: string) =>
  z.strictObject({
    'Idempotency-Key': z
      .string()
      .min(IDEMPOTENCY.keyMinLength)
      .max(IDEMPOTENCY.keyMaxLength)
      .optional()
      .meta({
        description:
          'Makes a retry safe: a request repeated with the same key, brand and body within 24 hours gets ' +
          'the first response back (status and body) without being executed again. Use a new key for each ' +
          'new request (a UUID, say); the same key with another body is 409 `idempotency_key_reused`.',
        example: `${operationId}-5f0c2a9e-7b1d-4c3a-9e8f-2d6b1a0c4e7f`,
      }),
  });

/**
 * Fastify reads a body on these methods whether or not the operation takes one: over the limit is 413,
 * and the bridge answers 415 to a POST or PATCH body that is not JSON. A DELETE body is not used, but
 * Fastify still refuses one of a media type it has no parser for (415; found by the fuzz test).
 */
const BODY_ERRORS: Record<string, Record<number, string>> = {
  POST: { 413: 'Request body over the size limit', 415: 'Request body is not JSON' },
  PATCH: { 413: 'Request body over the size limit', 415: 'Request body is not JSON' },
  DELETE: {
    413: 'Request body over the size limit',
    415: 'Request body of a media type the server cannot read',
  },
};

/** The state rules an operation applies: each 412 `details.reason` it can answer, and what it means. */
export type BadStateRules = Partial<Record<BadStateReason, string>>;

function errorResponses(
  method: string,
  badState: BadStateRules | undefined,
  versioning: Meta['versioning'],
): Record<number, string> {
  const errors: Record<number, string> = { ...COMMON_ERRORS, ...BODY_ERRORS[method] };
  if (WRITE_METHODS.has(method)) errors[409] = IDEMPOTENCY_CONFLICT;
  if (badState) {
    const rules = Object.entries(badState).map(([reason, meaning]) => `\`${reason}\`: ${meaning}`);
    if (versioning === 'change') rules.unshift(VERSION_MISMATCH);
    errors[412] = `Bad state; \`details.reason\` says which rule: ${rules.join('; ')}`;
  }
  return errors;
}

function requestHeaders(method: string, operationId: string, versioning: Meta['versioning']) {
  const idempotency = WRITE_METHODS.has(method) ? idempotencyKeyHeader(operationId) : undefined;
  if (versioning === 'change') return (idempotency ?? z.strictObject({})).extend({ 'If-Match': IF_MATCH });
  if (versioning === 'read') return z.strictObject({ 'If-None-Match': IF_NONE_MATCH });
  return idempotency;
}

/** REST metadata of a campaigns operation: the route, its docs and the errors it declares. */
export const restRoute = (
  route: Pick<OpenApi, 'method' | 'path' | 'operationId' | 'summary' | 'description'> & {
    successStatus?: 200 | 201 | 202;
    badState?: BadStateRules;
    successDescription?: string;
    versioning?: Meta['versioning'];
    /** The resource a 404 names, and the operation's tag; default campaigns. */
    resource?: 'campaigns' | 'events' | 'webhooks';
  },
): Meta => ({
  ...(route.successStatus ? { successStatus: route.successStatus } : {}),
  ...(route.badState ? { badStateReasons: Object.keys(route.badState) as BadStateReason[] } : {}),
  ...(route.versioning ? { versioning: route.versioning } : {}),
  openapi: {
    method: route.method,
    path: route.path,
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: [route.resource ?? 'campaigns'],
    protect: true,
    ...optional(
      'requestHeaders',
      requestHeaders(route.method, route.operationId ?? route.path, route.versioning),
    ),
    ...(route.successDescription ? { successDescription: route.successDescription } : {}),
    errorResponses: withNotFound(
      errorResponses(route.method, route.badState, route.versioning),
      route.resource,
    ),
  },
});

const NOT_FOUND = {
  campaigns: COMMON_ERRORS[404],
  events: 'Not found',
  webhooks: 'Webhook (or attempt) not found (or another brand’s)',
} as const;

function withNotFound(errors: Record<number, string>, resource: keyof typeof NOT_FOUND | undefined) {
  return { ...errors, 404: NOT_FOUND[resource ?? 'campaigns'] };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export const CAMPAIGNS_PATH = '/v1/messaging/campaigns';
export const EVENTS_PATH = '/v1/messaging/events';
/** The live stream (REST text/event-stream, served by campaigns.onEvent; apps/server/src/http/rest.ts). */
export const EVENT_STREAM_PATH = `${EVENTS_PATH}/stream` as const;
export const WEBHOOKS_PATH = '/v1/messaging/webhooks';
export const WEBHOOK_PATH = `${WEBHOOKS_PATH}/{id}` as const;
export const CAMPAIGN_PATH = `${CAMPAIGNS_PATH}/{id}` as const;
