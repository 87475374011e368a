import {
  API_ERROR_CODES,
  CAMPAIGN_LIMITS,
  EVENT_LIMITS,
  FEED_LIMITS,
  STEP_LIMITS,
} from '@campaigns/contract';

/**
 * Size limits for the schemas whose Zod source cannot state them without changing what the server
 * accepts (API.md: an over-long id is 404, not 400; a position past the end is 412), so that every string,
 * integer and array in the document says how large it can be (Spectral's OWASP rules, API4:2023). Each
 * bound is true of every value the server sends or acts on; they narrow the seeds' schemas, never widen.
 */

/** Longest value of a string property, by name, where its schema has none. */
const STRING_BOUNDS: Record<string, number> = {
  // Server-made ids are a prefix and 32 hex digits; a longer one names nothing.
  id: 64,
  campaign_id: 64,
  step_id: 64,
  // Token claims (auth/tokens.ts refuses longer ones).
  brand_id: 255,
  created_by: 255,
  actor: 255,
  // What callers write, as the inputs bound it.
  name: CAMPAIGN_LIMITS.nameMax,
  description: CAMPAIGN_LIMITS.descriptionMax,
  segment_id: CAMPAIGN_LIMITS.segmentIdMax,
  template_id: STEP_LIMITS.templateIdMax,
  template_version_id: STEP_LIMITS.templateIdMax,
  // Opaque keyset cursors.
  cursor: 512,
  next_cursor: 512,
  // The contract's error body.
  error: 64,
  message: 2_000,
  // Header values.
  'Idempotency-Key': 255,
};
/** RFC 3339 date-times: 35 characters hold nanoseconds and an offset. */
const DATE_TIME_MAX = 64;
/** Object keys (`variables`, `details`, an event's before/after). */
const KEY_MAX = 255;
/** Any other string the server sends: a header value. */
const OTHER_STRING_MAX = 256;
const INT32_MAX = 2_147_483_647;
/** Every list in the API is a page or a campaign's steps, each at most 200 long. */
const LIST_MAX = Math.max(
  CAMPAIGN_LIMITS.pageSizeMax,
  EVENT_LIMITS.pageSizeMax,
  FEED_LIMITS.pageSizeMax,
  STEP_LIMITS.maxStepsPerCampaign,
);

type Schema = Record<string, unknown>;
const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const hasType = (schema: Schema, type: string) =>
  schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));

function bound(schema: Schema, name: string | undefined): void {
  if (hasType(schema, 'string') && schema.maxLength === undefined && schema.const === undefined) {
    // An error body's code (never null); a nullable `error` is something else (a webhook attempt's).
    if (name === 'error' && schema.enum === undefined && !hasType(schema, 'null'))
      schema.enum = [...API_ERROR_CODES];
    schema.maxLength =
      (name !== undefined ? STRING_BOUNDS[name] : undefined) ??
      (schema.format === 'date-time' ? DATE_TIME_MAX : OTHER_STRING_MAX);
  }
  if (hasType(schema, 'integer')) {
    schema.minimum ??= 0;
    schema.maximum ??= INT32_MAX;
    schema.format ??= Number(schema.maximum) <= INT32_MAX ? 'int32' : 'int64';
  }
  if (hasType(schema, 'array')) schema.maxItems ??= LIST_MAX;
}

/** Walks a schema (properties, items, combinators, propertyNames) and bounds each part. */
function walk(schema: unknown, name?: string): void {
  if (!isSchema(schema) || (typeof schema.$ref === 'string' && Object.keys(schema).length === 1)) return;
  bound(schema, name);
  if (isSchema(schema.properties)) {
    for (const [property, child] of Object.entries(schema.properties)) walk(child, property);
  }
  if (isSchema(schema.propertyNames)) {
    const names = schema.propertyNames;
    if (hasType(names, 'string')) names.maxLength ??= KEY_MAX;
  }
  walk(schema.items, undefined);
  walk(schema.additionalProperties, undefined);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) for (const child of list) walk(child, name);
  }
}

interface Parameter {
  name?: string;
  schema?: unknown;
}

/** Bounds every schema of the document: components, parameters, bodies, responses and headers. */
export function boundSchemas(document: {
  paths?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown>; headers?: Record<string, unknown> };
}): void {
  for (const schema of Object.values(document.components?.schemas ?? {})) walk(schema);
  for (const header of Object.values(document.components?.headers ?? {})) {
    if (isSchema(header)) walk(header.schema);
  }
  for (const item of Object.values(document.paths ?? {})) {
    if (!isSchema(item)) continue;
    for (const operation of Object.values(item)) {
      if (!isSchema(operation)) continue;
      for (const parameter of (operation.parameters ?? []) as Parameter[])
        walk(parameter.schema, parameter.name);
      const body = isSchema(operation.requestBody) ? operation.requestBody.content : undefined;
      for (const media of Object.values(isSchema(body) ? body : {})) if (isSchema(media)) walk(media.schema);
      for (const response of Object.values(isSchema(operation.responses) ? operation.responses : {})) {
        if (!isSchema(response)) continue;
        for (const media of Object.values(isSchema(response.content) ? response.content : {})) {
          if (isSchema(media)) walk(media.schema);
        }
        for (const header of Object.values(isSchema(response.headers) ? response.headers : {})) {
          if (isSchema(header)) walk(header.schema);
        }
      }
    }
  }
}
