import { readFileSync } from 'node:fs';
import { SCOPES } from '@campaigns/contract';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './support/harness';
import { restClient } from './support/rest';
import { useTestServer } from './support/use-test-server';

// API.md, Surfaces: `/openapi.json` describes the REST surface truthfully, and `/docs` renders it.

interface SchemaObject {
  type?: string | string[];
  format?: string;
  minimum?: number;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  $ref?: string;
  anyOf?: SchemaObject[];
}
interface Operation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; schema?: { example?: unknown }; example?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: SchemaObject }> };
  responses?: Record<
    string,
    {
      description?: string;
      headers?: Record<string, unknown>;
      content?: Record<string, { schema?: SchemaObject }>;
    }
  >;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, SchemaObject>;
    securitySchemes?: Record<string, Record<string, string>>;
  };
}
interface SeedFixture {
  method: string;
  path: string;
  requestBody: SchemaObject;
  responses: Record<string, { schema: SchemaObject }>;
}
const seed = (name: string): SeedFixture =>
  JSON.parse(readFileSync(new URL(`./fixtures/seeds/${name}.json`, import.meta.url), 'utf8')) as SeedFixture;
const scheduleSeed = seed('schedule-campaign');
const addStepSeed = seed('add-step');

/** API.md's operation table: the REST success status, and whether a state rule (412) applies. */
const OPERATIONS: Record<string, { method: string; path: string; success: 200 | 201; stateRule: boolean }> = {
  createCampaign: { method: 'post', path: '/v1/messaging/campaigns', success: 201, stateRule: false },
  listCampaigns: { method: 'get', path: '/v1/messaging/campaigns', success: 200, stateRule: false },
  getCampaign: { method: 'get', path: '/v1/messaging/campaigns/{id}', success: 200, stateRule: false },
  updateCampaign: { method: 'patch', path: '/v1/messaging/campaigns/{id}', success: 200, stateRule: true },
  scheduleCampaign: {
    method: 'post',
    path: '/v1/messaging/campaigns/{id}/schedule',
    success: 200,
    stateRule: true,
  },
  unscheduleCampaign: {
    method: 'post',
    path: '/v1/messaging/campaigns/{id}/unschedule',
    success: 200,
    stateRule: true,
  },
  cancelCampaign: {
    method: 'post',
    path: '/v1/messaging/campaigns/{id}/cancel',
    success: 200,
    stateRule: true,
  },
  addCampaignStep: {
    method: 'post',
    path: '/v1/messaging/campaigns/{id}/steps',
    success: 201,
    stateRule: true,
  },
  listCampaignSteps: {
    method: 'get',
    path: '/v1/messaging/campaigns/{id}/steps',
    success: 200,
    stateRule: false,
  },
  updateCampaignStep: {
    method: 'patch',
    path: '/v1/messaging/campaigns/{id}/steps/{step_id}',
    success: 200,
    stateRule: true,
  },
  removeCampaignStep: {
    method: 'delete',
    path: '/v1/messaging/campaigns/{id}/steps/{step_id}',
    success: 200,
    stateRule: true,
  },
  duplicateCampaign: {
    method: 'post',
    path: '/v1/messaging/campaigns/{id}/duplicate',
    success: 201,
    stateRule: false,
  },
};
const ERROR_STATUSES = ['400', '401', '403', '404', '408', '429', '431', '500', '503'];
/**
 * Statuses that come with the method: a body is read (413, 415), and writes take an Idempotency-Key
 * (409, docs/hardening.md).
 */
const METHOD_STATUSES: Record<string, string[]> = {
  post: ['409', '413', '415'],
  patch: ['409', '413', '415'],
  delete: ['409', '413', '415'],
};
const ERROR_REF = '#/components/schemas/ErrorResponse';
/** API.md, Errors: the `error` code of each status the operations declare (412 has its own test). */
const CODE_OF_STATUS: Record<string, string> = {
  '400': 'validation_failed',
  '401': 'unauthorized',
  '403': 'forbidden',
  '404': 'not_found',
  '408': 'request_timeout',
  '409': 'conflict',
  '413': 'payload_too_large',
  '415': 'unsupported_media_type',
  '429': 'rate_limited',
  '431': 'payload_too_large',
  '500': 'internal',
  '503': 'unavailable',
};

const harness = useTestServer();
let document: OpenApiDocument;
let source: string;

beforeAll(async () => {
  const response = await harness.rest<OpenApiDocument>('GET', '/openapi.json');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  document = response.body;
  source = response.text;
});

const allOperations = () =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );

function operation(operationId: string): Operation {
  const expected = OPERATIONS[operationId];
  if (!expected) throw new Error(`unknown operation ${operationId}`);
  const found = document.paths[expected.path]?.[expected.method];
  if (!found) throw new Error(`${expected.method.toUpperCase()} ${expected.path} is not in the document`);
  return found;
}

const jsonSchema = (op: Operation, status: string) =>
  op.responses?.[status]?.content?.['application/json']?.schema;
const requestSchema = (op: Operation) => op.requestBody?.content?.['application/json']?.schema;
const sorted = (values: string[] | undefined) => [...(values ?? [])].sort();

describe('the document is valid OpenAPI 3.1', () => {
  it('declares 3.1 and passes Redocly’s structural validation and reference checks', async () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    const config = await createConfig({
      extends: ['spec'],
      rules: {
        struct: 'error',
        'no-unresolved-refs': 'error',
        'no-unused-components': 'error',
        'operation-operationId-unique': 'error',
        'operation-parameters-unique': 'error',
        'path-parameters-defined': 'error',
        'security-defined': 'error',
        'operation-2xx-response': 'error',
        'no-identical-paths': 'error',
        'no-ambiguous-paths': 'error',
        'no-invalid-schema-examples': 'error',
        'no-invalid-media-type-examples': 'error',
      },
    });
    const problems = await lintFromString({ source, absoluteRef: 'http://127.0.0.1/openapi.json', config });
    expect(problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  });

  it('the validator does catch a broken document (so the check above means something)', async () => {
    const broken = JSON.parse(source) as OpenApiDocument & { info: Record<string, unknown> };
    broken.info = {};
    const create = broken.paths['/v1/messaging/campaigns']?.post;
    if (!create?.responses) throw new Error('no createCampaign');
    create.responses['201'] = {
      description: 'x',
      content: { 'application/json': { schema: { $ref: '#/nope' } } },
    };
    const config = await createConfig({ extends: ['spec'] });
    const problems = await lintFromString({
      source: JSON.stringify(broken),
      absoluteRef: 'http://x/o.json',
      config,
    });
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });
});

describe('operations', () => {
  it('every operation of API.md’s table is documented, at its path and method', () => {
    const documented = allOperations().map(({ operation: op }) => op.operationId);
    for (const operationId of Object.keys(OPERATIONS)) {
      expect(documented).toContain(operationId);
      expect(operation(operationId).operationId).toBe(operationId);
    }
  });

  it.each(Object.entries(OPERATIONS))(
    '%s declares its real success status and no other 2xx',
    (operationId, expected) => {
      const successes = Object.keys(operation(operationId).responses ?? {}).filter((status) =>
        status.startsWith('2'),
      );
      expect(successes).toEqual([String(expected.success)]);
    },
  );

  it.each(Object.entries(OPERATIONS))(
    '%s declares 400/401/403/404/408/429/431/500/503, its method’s body and idempotency errors (and 412 iff a state rule applies)',
    (operationId, expected) => {
      const statuses = Object.keys(operation(operationId).responses ?? {}).filter(
        (status) => !status.startsWith('2'),
      );
      expect(statuses.sort()).toEqual(
        [
          ...ERROR_STATUSES,
          ...(METHOD_STATUSES[expected.method] ?? []),
          ...(expected.stateRule ? ['412'] : []),
          // A conditional GET (If-None-Match) of the campaign's version.
          ...(operationId === 'getCampaign' ? ['304'] : []),
        ].sort(),
      );
    },
  );

  it('every error response of every operation points at the one shared Error schema', () => {
    for (const { path, method, operation: op } of allOperations()) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (Number(status) < 400) continue;
        expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual([
          'application/json',
        ]);
        // A 412 narrows the shared schema to its own `details.reason` values (checked below).
        expect(jsonSchema(op, status), `${method} ${path} ${status}`).toMatchObject({ $ref: ERROR_REF });
        // Every other status narrows `error` to the codes that status carries.
        if (status !== '412') {
          expect(jsonSchema(op, status), `${method} ${path} ${status}`).toMatchObject({
            $ref: ERROR_REF,
            properties: { error: { type: 'string', enum: [CODE_OF_STATUS[status]] } },
          });
        }
      }
    }
    const error = document.components.schemas.ErrorResponse;
    expect(sorted(Object.keys(error?.properties ?? {}))).toEqual(['details', 'error', 'message']);
    // The seed's error schema requires exactly these two.
    expect(sorted(error?.required)).toEqual(sorted(scheduleSeed.responses['404']?.schema.required));
    // No per-code leftovers from the generator.
    expect(Object.keys(document.components.schemas).filter((name) => /error/i.test(name))).toEqual([
      'ErrorResponse',
    ]);
  });

  // Every change takes If-Match, so each also lists version_mismatch (error precondition_failed).
  it.each([
    ['scheduleCampaign', ['invalid_status', 'no_steps', 'version_mismatch']],
    [
      'addCampaignStep',
      ['invalid_status', 'position_out_of_range', 'step_limit_reached', 'version_mismatch'],
    ],
    ['updateCampaignStep', ['invalid_status', 'position_out_of_range', 'version_mismatch']],
    ['cancelCampaign', ['invalid_status', 'version_mismatch']],
    ['unscheduleCampaign', ['invalid_status', 'version_mismatch']],
    ['updateCampaign', ['invalid_status', 'version_mismatch']],
    ['removeCampaignStep', ['invalid_status', 'version_mismatch']],
  ])('%s: its 412 lists its own details.reason values, each described', (operationId, reasons) => {
    const op = operation(operationId);
    const schema = jsonSchema(op, '412') as {
      properties?: { details?: { properties?: { reason?: { enum?: string[] } } } };
    };
    expect(schema.properties?.details?.properties?.reason?.enum).toEqual(reasons);
    const description = op.responses?.['412']?.description ?? '';
    for (const reason of reasons) expect(description).toContain(`\`${reason}\``);
    // The generator's cache once gave every operation the first one's text.
    if (['scheduleCampaign', 'cancelCampaign', 'unscheduleCampaign'].includes(operationId)) {
      expect(description).not.toContain('not a draft');
    }
  });

  it('optimistic concurrency: ETag on every Campaign or Step answer, If-Match on every change, 304 on a conditional GET', () => {
    const changes = [
      'updateCampaign',
      'scheduleCampaign',
      'unscheduleCampaign',
      'cancelCampaign',
      'addCampaignStep',
      'updateCampaignStep',
      'removeCampaignStep',
    ];
    for (const operationId of [...changes, 'createCampaign', 'duplicateCampaign', 'getCampaign']) {
      const op = operation(operationId);
      const success = String(OPERATIONS[operationId]?.success);
      expect(Object.keys(op.responses?.[success]?.headers ?? {}), operationId).toContain('ETag');
      const headers = (op.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
      if (changes.includes(operationId)) expect(headers, operationId).toContain('If-Match');
      else expect(headers, operationId).not.toContain('If-Match');
    }
    const get = operation('getCampaign');
    expect((get.parameters ?? []).map((p) => p.name)).toContain('If-None-Match');
    expect(Object.keys(get.responses?.['304']?.headers ?? {})).toContain('ETag');
    expect(get.responses?.['304']?.content).toBeUndefined();
    // Lists carry no one version.
    expect(Object.keys(operation('listCampaigns').responses?.['200']?.headers ?? {})).not.toContain('ETag');
    const details = (
      jsonSchema(operation('updateCampaign'), '412') as {
        properties: { error: { enum: string[] }; details: { properties: Record<string, unknown> } };
      }
    ).properties;
    expect(details.error.enum).toEqual(['bad_state', 'precondition_failed']);
    expect(Object.keys(details.details.properties)).toContain('current_etag');
  });

  it('the samples are safe to paste in any order: one Idempotency-Key example per operation, future dates', () => {
    const keys = allOperations().flatMap(({ operation: op }) =>
      (op.parameters ?? [])
        .filter((parameter) => parameter.in === 'header' && parameter.name === 'Idempotency-Key')
        .map((parameter) => parameter.example ?? parameter.schema?.example),
    );
    expect(keys.length).toBeGreaterThanOrEqual(8);
    expect(new Set(keys).size).toBe(keys.length);
    // Every instant an example shows (a scheduled_at to paste above all) lies in the future.
    const instants = source.match(/"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)"/g) ?? [];
    expect(instants.length).toBeGreaterThan(0);
    for (const instant of instants) expect(Date.parse(JSON.parse(instant))).toBeGreaterThan(Date.now());
  });

  it('bearerAuth (HTTP bearer, JWT) is declared, explains claims and scopes, and each operation names its scope', () => {
    expect(document.components.securitySchemes?.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: expect.stringContaining(SCOPES.write),
    });
    const operations = allOperations();
    expect(operations.length).toBeGreaterThanOrEqual(Object.keys(OPERATIONS).length);
    for (const { path, method, operation: op } of operations) {
      const webhooks = path.startsWith('/v1/messaging/webhooks');
      const scope =
        method === 'get'
          ? webhooks
            ? SCOPES.webhooksRead
            : SCOPES.read
          : webhooks
            ? SCOPES.webhooksWrite
            : SCOPES.write;
      expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [scope] }]);
    }
  });

  it('the declared scope is the one the server asks for: a read-only token creating gets 403 naming it', async () => {
    const readOnly = await harness.server.token({ scopes: [SCOPES.read] });
    const refused = await harness.rest<{ details: { required_scope: string } }>(
      'POST',
      '/v1/messaging/campaigns',
      {
        token: readOnly,
        body: { name: 'x', segment_id: 's' },
      },
    );
    expect(refused.status).toBe(403);
    expect([{ bearerAuth: [refused.body.details.required_scope] }]).toEqual(
      operation('createCampaign').security,
    );
  });
});

describe('schemas agree with the seeds', () => {
  it('Campaign: the schedule seed’s 200 properties plus send_window, all required; schedule and getCampaign answer one', () => {
    // API.md, Campaign: "exactly as the schedule seed's 200 response, plus send_window" (the seed allows extra fields).
    const seedSchema = scheduleSeed.responses['200']?.schema;
    const campaign = document.components.schemas.Campaign;
    expect(sorted(Object.keys(campaign?.properties ?? {}))).toEqual(
      sorted([...Object.keys(seedSchema?.properties ?? {}), 'send_window']),
    );
    expect(sorted(campaign?.required)).toEqual(sorted([...(seedSchema?.required ?? []), 'send_window']));
    for (const operationId of ['createCampaign', 'getCampaign', 'scheduleCampaign', 'cancelCampaign']) {
      const status = String(OPERATIONS[operationId]?.success);
      expect(jsonSchema(operation(operationId), status), operationId).toEqual({
        $ref: '#/components/schemas/Campaign',
      });
    }
  });

  it('Step: the add-step seed’s 201 properties, all required; addCampaignStep answers one', () => {
    const seedSchema = addStepSeed.responses['201']?.schema;
    const step = document.components.schemas.Step;
    expect(sorted(Object.keys(step?.properties ?? {}))).toEqual(
      sorted(Object.keys(seedSchema?.properties ?? {})),
    );
    expect(sorted(step?.required)).toEqual(sorted(seedSchema?.required));
    expect(jsonSchema(operation('addCampaignStep'), '201')).toEqual({ $ref: '#/components/schemas/Step' });
  });

  it.each([
    ['scheduleCampaign', scheduleSeed],
    ['addCampaignStep', addStepSeed],
  ])(
    '%s: the request body has the seed’s properties, types, minimums and required list',
    (operationId, fixture) => {
      const body = requestSchema(operation(operationId));
      expect(body?.type).toBe('object');
      expect(sorted(Object.keys(body?.properties ?? {}))).toEqual(
        sorted(Object.keys(fixture.requestBody.properties ?? {})),
      );
      expect(sorted(body?.required)).toEqual(sorted(fixture.requestBody.required));
      for (const [name, expected] of Object.entries(fixture.requestBody.properties ?? {})) {
        const actual = body?.properties?.[name];
        expect(actual?.type, name).toEqual(expected.type);
        if (expected.format !== undefined) expect(actual?.format, name).toBe(expected.format);
        if (expected.minimum !== undefined) expect(actual?.minimum, name).toBe(expected.minimum);
      }
    },
  );

  it('live responses validate against the document’s own component schemas', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi.json', components: document.components });
    const validate = (name: string, value: unknown) => {
      const check = ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` });
      expect(check(value), `${name}: ${JSON.stringify(check.errors)}`).toBe(true);
    };

    const token = await harness.server.token();
    const campaign = await harness.rest<{ id: string }>('POST', '/v1/messaging/campaigns', {
      token,
      body: { name: 'Documented', segment_id: 'seg_1' },
    });
    validate('Campaign', campaign.body);
    const step = await harness.rest('POST', `/v1/messaging/campaigns/${campaign.body.id}/steps`, {
      token,
      body: {
        position: 0,
        template_id: 'tpl_1',
        template_version_id: 'tplv_1',
        variables: { a: [1, { b: null }] },
      },
    });
    validate('Step', step.body);
    const scheduled = await harness.rest('POST', `/v1/messaging/campaigns/${campaign.body.id}/schedule`, {
      token,
      body: { scheduled_at: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(scheduled.status).toBe(200);
    validate('Campaign', scheduled.body);
    const missing = await harness.rest(
      'GET',
      '/v1/messaging/campaigns/cmp_00000000000000000000000000000000',
      {
        token,
      },
    );
    validate('ErrorResponse', missing.body);
  });
});

describe('/docs', () => {
  it('renders an HTML reference page for /openapi.json whose script is served here, not from a CDN', async () => {
    const redirect = await fetch(`${harness.server.url}/docs`, { redirect: 'manual' });
    expect([200, 301, 302, 308]).toContain(redirect.status);

    const page = await fetch(`${harness.server.url}/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('/openapi.json');

    const sources = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      const url = new URL(src, `${harness.server.url}/docs/`);
      expect(url.origin, `${src} must be served by this server`).toBe(harness.server.url);
      const asset = await fetch(url);
      expect(asset.status, src).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
    const stylesheets = [...html.matchAll(/<link[^>]*\shref="([^"]+)"/g)].map((match) => match[1] ?? '');
    for (const href of stylesheets)
      expect(new URL(href, `${harness.server.url}/docs/`).origin).toBe(harness.server.url);
  });
});

describe('headers: what the server sends is declared', () => {
  /** Headers of ours (not HTTP's own or the security headers), as the server sent them. */
  const OURS = [
    'ratelimit',
    'ratelimit-policy',
    'retry-after',
    'www-authenticate',
    'idempotent-replayed',
    'x-request-id',
  ];

  it('on 2xx, a replay, 401 and 429 every header of ours is declared on that operation and status', async () => {
    const limited = await startTestServer({ http: { rateLimitPerMinute: 3 } });
    try {
      const call = restClient(limited.url);
      const token = await limited.token();
      const seen: Array<{ operationId: string; status: number; headers: Headers }> = [];
      const create = () =>
        call('POST', '/v1/messaging/campaigns', {
          token,
          body: { name: 'Headers', segment_id: 's' },
          headers: { 'idempotency-key': 'headers-1' },
        });
      for (let i = 0; i < 4; i++) {
        const response = await create();
        seen.push({ operationId: 'createCampaign', status: response.status, headers: response.headers });
      }
      const unauthenticated = await call('GET', '/v1/messaging/campaigns');
      seen.push({
        operationId: 'listCampaigns',
        status: unauthenticated.status,
        headers: unauthenticated.headers,
      });

      expect(seen.map((s) => s.status)).toEqual([201, 201, 201, 429, 401]);
      expect(seen[1]?.headers.get('idempotent-replayed')).toBe('true');
      expect(seen[3]?.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(seen[4]?.headers.get('www-authenticate')).toBe('Bearer');
      for (const { operationId, status, headers } of seen) {
        const declared = Object.keys(operation(operationId).responses?.[String(status)]?.headers ?? {}).map(
          (name) => name.toLowerCase(),
        );
        const sent = OURS.filter((name) => headers.has(name));
        expect(sent.length).toBeGreaterThan(0);
        for (const name of sent) expect(declared, `${operationId} ${status} ${name}`).toContain(name);
      }
    } finally {
      await limited.close();
    }
  });
});
