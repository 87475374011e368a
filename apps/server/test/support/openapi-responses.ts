import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/**
 * Checks real `/v1` responses against the OpenAPI document: the operation is found by method and path
 * template, its response by status (exact, then `4XX`-style range, then `default`), and the JSON body is
 * validated with ajv (OpenAPI 3.1 schemas are JSON Schema 2020-12). A status the operation does not
 * declare is a violation; so is a success on a path or method the document does not describe. Answers
 * to undocumented routes that are errors must still carry the shared `ErrorResponse` body.
 */

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  responses?: Record<string, ResponseObject>;
}
/** The parts of an OpenAPI 3.1 document read here (trpc-to-openapi's `OpenAPIObject` fits). */
export interface OpenApiDocument {
  paths?: Record<string, object>;
  components?: { schemas?: Record<string, unknown> };
}

export interface SentResponse {
  method: string;
  /** The request target as received, query included. */
  url: string;
  status: number;
  contentType: string | undefined;
  /** The raw payload; `undefined` when there is none or it is not text (a stream). */
  body: string | undefined;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'patch', 'delete', 'options', 'head', 'trace']);
const DOCUMENT_ID = 'openapi.json';
const ERROR_POINTER = '/components/schemas/ErrorResponse';

/** `/v1/x/{id}/y` → a regex that matches one non-empty segment per parameter. */
function templateRegex(template: string): RegExp {
  const parts = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^/]+')}$`);
}

/** JSON pointer escaping (RFC 6901) for a path template used as a key. */
const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

interface Route {
  template: string;
  regex: RegExp;
  /** Fewer parameters first: `/campaigns/{id}/steps` is more specific than a `{x}/{y}/{z}` template. */
  parameters: number;
}

export function createResponseChecker(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // The whole document under one id, so that `#/components/...` refers inside it wherever a schema sits.
  ajv.addSchema(document as object, DOCUMENT_ID);
  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string): ValidateFunction => {
    let validate = validators.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
      validators.set(pointer, validate);
    }
    return validate;
  };

  const routes: Route[] = Object.keys(document.paths ?? {})
    .map((template) => ({
      template,
      regex: templateRegex(template),
      parameters: (template.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.parameters - b.parameters);

  function checkBody(
    pointer: string,
    response: SentResponse,
    schema: unknown,
    label: string,
  ): string | undefined {
    if (schema === undefined) return undefined;
    if (!response.contentType?.startsWith('application/json')) {
      return `${label}: content-type ${response.contentType ?? '(none)'}, documented application/json`;
    }
    let body: unknown;
    try {
      body = response.body === undefined || response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      return `${label}: body is not JSON: ${response.body?.slice(0, 200)}`;
    }
    const validate = validatorAt(pointer);
    if (validate(body)) return undefined;
    return `${label}: body does not match ${pointer}: ${ajv.errorsText(validate.errors)}; body ${JSON.stringify(body)?.slice(0, 500)}`;
  }

  /** A description of how `response` breaks the document, or `undefined` when it conforms. */
  function check(response: SentResponse): string | undefined {
    const method = response.method.toLowerCase();
    // The bridge answers `/x/` as `/x`: match it as such.
    const path = (response.url.split('?')[0] ?? '').replace(/(.)\/+$/, '$1');
    const label = `${response.method} ${response.url} → ${response.status}`;
    const route = routes.find((candidate) => candidate.regex.test(path));
    const item = route
      ? (document.paths?.[route.template] as Record<string, Operation> | undefined)
      : undefined;
    const operation = HTTP_METHODS.has(method) ? item?.[method] : undefined;

    if (!route || !operation) {
      if (response.status < 400)
        return `${label}: no documented operation answers ${response.method} ${path}`;
      return checkBody(ERROR_POINTER, response, document.components?.schemas?.ErrorResponse, label);
    }

    const statuses = operation.responses ?? {};
    const key = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find(
      (candidate) => candidate in statuses,
    );
    const name = operation.operationId ?? `${method} ${route.template}`;
    if (key === undefined) {
      return `${label}: ${name} does not document status ${response.status} (documented: ${Object.keys(statuses).join(', ')})`;
    }
    const content = statuses[key]?.content;
    if (content === undefined) return undefined;
    const mediaType = Object.keys(content).find((type) => type === 'application/json');
    if (mediaType === undefined) return undefined;
    const pointer = `/paths/${escapePointer(route.template)}/${method}/responses/${key}/content/${escapePointer(mediaType)}/schema`;
    return checkBody(pointer, response, content[mediaType]?.schema, `${label} (${name})`);
  }

  return { check };
}

const isV1 = (url: string) => url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?');

function payloadText(payload: unknown): string | undefined {
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return undefined;
}

/**
 * Checks every `/v1` response `app` sends against `document` (an `onSend` hook; add it before the app
 * is ready). `assertConforming()` throws listing the violations, if any.
 */
export function watchResponses(app: FastifyInstance, document: OpenApiDocument) {
  const checker = createResponseChecker(document);
  const violations: string[] = [];
  app.addHook('onSend', async (request, reply, payload) => {
    // HEAD answers carry no body to check; OPTIONS answers are CORS preflights, not API operations.
    if (isV1(request.url) && request.method !== 'HEAD' && request.method !== 'OPTIONS') {
      const contentType = reply.getHeader('content-type');
      const response = {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        contentType: typeof contentType === 'string' ? contentType : undefined,
        body: payloadText(payload),
      };
      // Never let the check itself change what the server sends: a failure to check is a violation.
      try {
        const violation = checker.check(response);
        if (violation) violations.push(violation);
      } catch (error) {
        violations.push(
          `${response.method} ${response.url} → ${response.status}: could not check: ${String(error)}`,
        );
      }
    }
    return payload;
  });
  return {
    assertConforming(): void {
      if (violations.length === 0) return;
      const shown = violations.slice(0, 20).map((violation) => `- ${violation}`);
      if (violations.length > shown.length) shown.push(`- … and ${violations.length - shown.length} more`);
      throw new Error(
        `${violations.length} /v1 response(s) do not match the OpenAPI document (fix the server or the ` +
          `document; opt out with startTestServer({ validateResponses: false }) only for deliberate misuse):\n` +
          shown.join('\n'),
      );
    },
  };
}
