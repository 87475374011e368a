import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { isCampaignsClientError } from '@campaigns/client';
import { withAdminClient } from '@campaigns/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectError as expectContractError } from './support/campaigns';
import { startTestServer, type TestServer } from './support/harness';
import { type Rest, type RestResponse, restClient } from './support/rest';
import { useTestServer } from './support/use-test-server';

// API.md, Conventions and Errors: whatever a caller sends, a /v1 answer is the contract's error body
// with the right 4xx status, never a 5xx, a stack trace or SQL.

const CAMPAIGNS = '/v1/messaging/campaigns';
const future = () => new Date(Date.now() + 3_600_000).toISOString();
const missingId = () => `cmp_${randomBytes(16).toString('hex')}`;

const harness = useTestServer();
let draftId: string;

beforeAll(async () => {
  const created = await harness.rest<{ id: string }>('POST', CAMPAIGNS, {
    token: harness.token,
    body: { name: 'Robust', segment_id: 's' },
  });
  expect(created.status).toBe(201);
  draftId = created.body.id;
});

/** Stack frames, SQL, ORM and file-system internals: none may reach a caller. */
const LEAKS = [
  /\bat .+:\d+:\d+/,
  /\n\s+at /,
  /\bSELECT\b/i,
  /\bINSERT\b/i,
  /prisma/i,
  /node_modules/,
  /\.ts:\d+/,
];

function expectNoLeak(text: string) {
  for (const leak of LEAKS) expect(text, `response leaks ${leak}`).not.toMatch(leak);
}

/** A contract error (support/campaigns.ts) that also leaks nothing (no stack, SQL or secret). */
function expectError(response: RestResponse, status: number, error: string) {
  expectNoLeak(response.text);
  return expectContractError(response, status, error);
}

/**
 * HTTP with the request target sent byte for byte: fetch would resolve `..` segments and re-encode
 * the path, so the server would never see what a hostile caller can send.
 */
function rawRequest(
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string> } = {},
) {
  const url = new URL(harness.server.url);
  return new Promise<RestResponse>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent: false,
        headers: {
          authorization: `Bearer ${harness.token}`,
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers, body, text });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const isStepsBody = { position: 0, template_id: 'tpl_1', template_version_id: 'tplv_1' };

describe('request bodies that are not a JSON object', () => {
  it.each([
    ['malformed JSON', '{"name": "x", '],
    ['a trailing comma', '{"name": "x",}'],
    ['a JSON array', '[{"name": "x", "segment_id": "s"}]'],
    ['a JSON string', '"hello"'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['JSON true', 'true'],
    ['an empty body with a JSON content type', ''],
  ])('%s ⇒ 400 validation_failed', async (_name, raw) => {
    const create = await harness.rest('POST', CAMPAIGNS, {
      token: harness.token,
      raw,
      headers: { 'content-type': 'application/json' },
    });
    expectError(create, 400, 'validation_failed');
    const schedule = await harness.rest('POST', `${CAMPAIGNS}/${draftId}/schedule`, {
      token: harness.token,
      raw,
      headers: { 'content-type': 'application/json' },
    });
    expectError(schedule, 400, 'validation_failed');
  });

  it('malformed JSON says so in details.issues', async () => {
    const response = await harness.rest('POST', CAMPAIGNS, {
      token: harness.token,
      raw: '{',
      headers: { 'content-type': 'application/json' },
    });
    const body = expectError(response, 400, 'validation_failed');
    expect(body.details.issues).toEqual([expect.objectContaining({ path: [], message: expect.any(String) })]);
  });

  it.each([
    ['text/plain', '{"name": "x", "segment_id": "s"}'],
    ['application/xml', '<campaign><name>x</name></campaign>'],
    ['application/x-www-form-urlencoded', 'name=x&segment_id=s'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--\r\n',
    ],
  ])('a %s body ⇒ 415 unsupported_media_type', async (contentType, raw) => {
    const before = await harness.server.db.campaign.count();
    const response = await harness.rest('POST', CAMPAIGNS, {
      token: harness.token,
      raw,
      headers: { 'content-type': contentType },
    });
    expectError(response, 415, 'unsupported_media_type');
    expect(await harness.server.db.campaign.count()).toBe(before);
  });

  it('a body over 1 MiB ⇒ 413 payload_too_large', async () => {
    const raw = JSON.stringify({ name: 'x', segment_id: 's', description: 'y'.repeat(1024 * 1024) });
    const response = await harness.rest('POST', CAMPAIGNS, {
      token: harness.token,
      raw,
      headers: { 'content-type': 'application/json' },
    });
    expectError(response, 413, 'payload_too_large');
    const steps = await harness.rest('POST', `${CAMPAIGNS}/${draftId}/steps`, {
      token: harness.token,
      body: { ...isStepsBody, variables: { blob: 'z'.repeat(1024 * 1024 + 1) } },
    });
    expectError(steps, 413, 'payload_too_large');
  });

  it.each([false, true])(
    'tRPC (batch: %s): a body over 1 MiB ⇒ PAYLOAD_TOO_LARGE in typed error data',
    async (batch) => {
      const outcome = await harness.server
        .client(harness.token, { batch })
        .campaigns.create.mutate({ name: 'x', segment_id: 's', description: 'y'.repeat(1024 * 1024) })
        .then(
          () => 'accepted',
          (error: unknown) => error,
        );
      if (!isCampaignsClientError(outcome))
        throw new Error(`expected a client error, got ${String(outcome)}`);
      expect(outcome.data?.code).toBe('PAYLOAD_TOO_LARGE');
      expect(outcome.data?.httpStatus).toBe(413);
      expect(outcome.data?.error).toBe('payload_too_large');
      expectNoLeak(outcome.message);
    },
  );

  it('tRPC: a body that is not JSON ⇒ an UNSUPPORTED_MEDIA_TYPE tRPC error, not Fastify’s body', async () => {
    const response = await harness.rest('POST', '/trpc/campaigns.create', {
      token: harness.token,
      raw: '<campaign/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(response.status).toBe(415);
    const body = response.body as { error?: { json?: { data?: { code?: string; error?: string } } } };
    expect(body.error?.json?.data).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      error: 'unsupported_media_type',
    });
    expectNoLeak(response.text);
  });

  it('a body just under the limit is read, and judged by the schema (variables ≤ 32 KiB)', async () => {
    const response = await harness.rest('POST', `${CAMPAIGNS}/${draftId}/steps`, {
      token: harness.token,
      body: { ...isStepsBody, variables: { blob: 'z'.repeat(1000 * 1000) } },
    });
    const body = expectError(response, 400, 'validation_failed');
    expect(body.details.issues).toEqual([expect.objectContaining({ path: ['variables'] })]);
  });
});

describe('odd ids in paths ⇒ 404 not_found, never 400 or 5xx', () => {
  const ODD_IDS: Array<[string, string]> = [
    ['a NUL byte', '%00'],
    ['a NUL byte inside a plausible id', `cmp_${'0'.repeat(16)}%00${'0'.repeat(16)}`],
    ['1,000 characters', 'a'.repeat(1000)],
    ['a plausible prefix and 1,000 characters', `cmp_${'0'.repeat(996)}`],
    // (Unescaped non-ASCII bytes are not HTTP: Node's parser answers 400 before any routing.)
    ['unicode', encodeURIComponent('ü🚀')],
    ['SQL', encodeURIComponent("' OR 1=1 --")],
    ['an encoded slash', 'a%2Fb'],
    ['an encoded dot-dot', '%2E%2E'],
    ['dot-dot segments', '../..'],
    ['invalid percent-encoding', '%E0%A4%A'],
    ['an uppercase variant of a real-looking id', `CMP_${'A'.repeat(32)}`],
    ['a missing, well-formed id', missingId()],
  ];
  const ROUTES: Array<[string, (id: string) => string, string | undefined]> = [
    ['GET', (id) => `${CAMPAIGNS}/${id}`, undefined],
    ['POST', (id) => `${CAMPAIGNS}/${id}/schedule`, JSON.stringify({ scheduled_at: future() })],
    ['POST', (id) => `${CAMPAIGNS}/${id}/steps`, JSON.stringify(isStepsBody)],
    ['GET', (id) => `${CAMPAIGNS}/${id}/steps`, undefined],
  ];

  it.each(ODD_IDS)('%s', async (_name, id) => {
    for (const [method, path, body] of ROUTES) {
      const response = await rawRequest(method, path(id), body === undefined ? {} : { body });
      expect(response.status, `${method} ${path(id).slice(0, 80)}`).toBeLessThan(500);
      expectError(response, 404, 'not_found');
    }
  });

  // REST hands path segments over still percent-encoded; tRPC hands over any string as it is, so this
  // is where a real NUL byte, quote or slash reaches the service.
  it.each([
    ['a NUL byte', '\u0000'],
    ['a NUL byte inside a plausible id', `cmp_${'0'.repeat(16)}\u0000${'0'.repeat(15)}`],
    ['1,000 characters', 'a'.repeat(1000)],
    ['unicode', 'ü🚀'],
    ['SQL', "' OR 1=1 --"],
    ['a slash and dots', '../../a/b'],
    ['an empty string', ''],
  ])('tRPC: %s as a campaign or step id ⇒ NOT_FOUND', async (_name, id) => {
    const client = harness.server.client(harness.token);
    const calls: Array<() => Promise<unknown>> = [
      () => client.campaigns.get.query({ id }),
      () => client.campaigns.schedule.mutate({ id, scheduled_at: future() }),
      () => client.campaigns.addStep.mutate({ ...isStepsBody, id }),
      () => client.campaigns.listSteps.query({ id }),
      () => client.campaigns.removeStep.mutate({ id: draftId, step_id: id }),
    ];
    for (const call of calls) {
      const outcome = await call().then(
        () => 'accepted',
        (error: unknown) => error,
      );
      if (!isCampaignsClientError(outcome))
        throw new Error(`expected a client error, got ${String(outcome)}`);
      expect(outcome.data?.code).toBe('NOT_FOUND');
      expect(outcome.data?.error).toBe('not_found');
    }
  });

  it('an odd step id on a real campaign is 404 too', async () => {
    for (const id of ['%00', 'a'.repeat(1000), encodeURIComponent("' OR 1=1 --")]) {
      const patch = await rawRequest('PATCH', `${CAMPAIGNS}/${draftId}/steps/${id}`, {
        body: '{"template_id":"t"}',
      });
      expectError(patch, 404, 'not_found');
      const remove = await rawRequest('DELETE', `${CAMPAIGNS}/${draftId}/steps/${id}`);
      expectError(remove, 404, 'not_found');
    }
  });
});

describe('text that PostgreSQL cannot store', () => {
  it('a NUL character in name, segment_id or template fields ⇒ 400 on that path, not 500', async () => {
    const create = await harness.rest('POST', CAMPAIGNS, {
      token: harness.token,
      body: { name: 'a\u0000b', segment_id: 's\u0000' },
    });
    const body = expectError(create, 400, 'validation_failed');
    const paths = (body.details.issues as Array<{ path: unknown[] }>).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining([['name'], ['segment_id']]));

    const update = await harness.rest('PATCH', `${CAMPAIGNS}/${draftId}`, {
      token: harness.token,
      body: { description: '\u0000' },
    });
    expectError(update, 400, 'validation_failed');

    const step = await harness.rest('POST', `${CAMPAIGNS}/${draftId}/steps`, {
      token: harness.token,
      body: { ...isStepsBody, template_id: 'tpl\u0000' },
    });
    expectError(step, 400, 'validation_failed');
  });

  it.each([
    ['a NUL in a value', { greeting: 'hi\u0000there' }],
    ['a NUL in a key', { 'first\u0000name': 'Ada' }],
    ['a NUL deep inside', { nested: { list: ['ok', { deeper: '\u0000' }] } }],
  ])('variables with %s ⇒ 400 on ["variables"], not 500', async (_name, variables) => {
    const response = await harness.rest('POST', `${CAMPAIGNS}/${draftId}/steps`, {
      token: harness.token,
      body: { ...isStepsBody, variables },
    });
    const body = expectError(response, 400, 'validation_failed');
    expect(body.details.issues).toEqual([expect.objectContaining({ path: ['variables'] })]);
  });

  it('nothing was stored by the rejected requests', async () => {
    expect(await harness.server.db.step.count({ where: { campaignId: draftId } })).toBe(0);
  });
});

describe('routes and methods', () => {
  it.each([
    ['GET', '/v1/nope'],
    ['GET', '/v1'],
    ['GET', '/v1/'],
    ['POST', '/v1/messaging/campaign'],
    ['GET', `${CAMPAIGNS}/${missingId()}/nope`],
    ['GET', `${CAMPAIGNS}/${missingId()}/steps/x/y/z`],
  ])('%s %s (no such route) ⇒ 404 not_found', async (method, path) => {
    expectError(await harness.rest(method, path, { token: harness.token }), 404, 'not_found');
  });

  it('an unknown route without a token is a 4xx (404 or 401) in the error shape', async () => {
    const response = await harness.rest('GET', '/v1/nope');
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expectError(response, response.status, response.status === 401 ? 'unauthorized' : 'not_found');
  });

  it.each([
    ['PUT', CAMPAIGNS],
    ['DELETE', CAMPAIGNS],
    ['PATCH', CAMPAIGNS],
    ['GET', `${CAMPAIGNS}/{id}/schedule`],
    ['DELETE', `${CAMPAIGNS}/{id}`],
    ['PUT', `${CAMPAIGNS}/{id}/steps`],
    ['OPTIONS', CAMPAIGNS],
  ])('%s %s (wrong method) ⇒ 4xx in the error shape', async (method, path) => {
    const response = await harness.rest(method, path.replace('{id}', draftId), { token: harness.token });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    const body = expectError(response, response.status, (response.body as { error: string }).error);
    expect(['not_found', 'validation_failed']).toContain(body.error);
  });

  it('the campaign survived all of the above', async () => {
    const response = await harness.rest<{ status: string }>('GET', `${CAMPAIGNS}/${draftId}`, {
      token: harness.token,
    });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('draft');
  });
});

describe('input validation stays strict on both surfaces (TRPC-OPENAPI.md, validation leak)', () => {
  it('after REST traffic, tRPC still rejects position "2" and null with BAD_REQUEST', async () => {
    // REST first: this is what switches trpc-to-openapi's coercion on in the shared input schema.
    const viaRest = await harness.rest('POST', `${CAMPAIGNS}/${draftId}/steps`, {
      token: harness.token,
      body: isStepsBody,
    });
    expect(viaRest.status).toBe(201);
    const client = harness.server.client(harness.token);

    for (const position of ['2', null, '0', true, 1.5]) {
      const outcome = await client.campaigns.addStep
        // Deliberately the wrong type: this is what an untyped caller can send.
        .mutate({ ...isStepsBody, id: draftId, position: position as unknown as number })
        .then(
          () => 'accepted',
          (error: unknown) => error,
        );
      expect(
        isCampaignsClientError(outcome),
        `position ${JSON.stringify(position)} was ${String(outcome)}`,
      ).toBe(true);
      if (!isCampaignsClientError(outcome)) continue;
      expect(outcome.data?.code).toBe('BAD_REQUEST');
      expect(outcome.data?.error).toBe('validation_failed');
      expect(outcome.data?.details).toEqual({
        issues: [expect.objectContaining({ path: ['position'] })],
        issue_count: 1,
      });
    }
    const delayed = await client.campaigns.addStep
      .mutate({ ...isStepsBody, id: draftId, delay_minutes: '5' as unknown as number })
      .then(
        () => 'accepted',
        (error: unknown) => (isCampaignsClientError(error) ? error.data?.code : error),
      );
    expect(delayed).toBe('BAD_REQUEST');
    expect(await harness.server.db.step.count({ where: { campaignId: draftId } })).toBe(1);
  });

  it('REST rejects a string or null position too (the seed says integer)', async () => {
    for (const position of ['2', null, '']) {
      const response = await harness.rest('POST', `${CAMPAIGNS}/${draftId}/steps`, {
        token: harness.token,
        body: { ...isStepsBody, position },
      });
      const body = expectError(response, 400, 'validation_failed');
      expect(body.details.issues).toEqual([expect.objectContaining({ path: ['position'] })]);
    }
  });

  it('a query parameter read as a number on REST leaves tRPC strict: list limit "5" is BAD_REQUEST', async () => {
    // REST hands `?limit=5` over as text and reads it as a number for that request only; the bridge this
    // replaced switched coercion on in the shared schema, after which tRPC accepted "5" too.
    expect((await harness.rest('GET', `${CAMPAIGNS}?limit=5`, { token: harness.token })).status).toBe(200);
    const outcome = await harness.server
      .client(harness.token)
      // Deliberately the wrong type: this is what an untyped caller can send.
      .campaigns.list.query({ limit: '5' as unknown as number })
      .then(
        () => 'accepted',
        (error: unknown) => (isCampaignsClientError(error) ? error.data?.code : error),
      );
    expect(outcome).toBe('BAD_REQUEST');
  });
});

describe('unexpected failures ⇒ 500 internal with the request id, nothing else', () => {
  let broken: TestServer;
  let brokenRest: Rest;

  beforeAll(async () => {
    // A server of its own whose database disappears under it: every query now fails in the driver.
    broken = await startTestServer();
    brokenRest = restClient(broken.url);
    const name = decodeURIComponent(new URL(broken.databaseUrl).pathname.slice(1));
    await withAdminClient(inject('campaignsDbAdminUrl'), async (client) => {
      await client.query(`DROP DATABASE ${client.escapeIdentifier(name)} WITH (FORCE)`);
    });
  });
  afterAll(() => broken?.close());

  it.each([
    ['GET', () => `${CAMPAIGNS}/${missingId()}`, undefined],
    ['GET', () => CAMPAIGNS, undefined],
    ['POST', () => CAMPAIGNS, { name: 'x', segment_id: 's' }],
    ['POST', () => `${CAMPAIGNS}/${missingId()}/steps`, isStepsBody],
  ])(
    'REST %s ⇒ 500 {error: internal, details: {request_id}} matching x-request-id',
    async (method, path, body) => {
      const response = await brokenRest(method, path(), { token: harness.token, body });
      const error = expectError(response, 500, 'internal');
      const requestId = response.headers.get('x-request-id');
      expect(requestId).toBeTruthy();
      expect(error.details).toEqual({ request_id: requestId });
      expect(error.message).toBe('Internal server error');
    },
  );

  it('a caller’s sane X-Request-Id is kept and reported back', async () => {
    const response = await brokenRest('GET', CAMPAIGNS, {
      token: harness.token,
      headers: { 'x-request-id': 'trace-abc.123' },
    });
    expect(expectError(response, 500, 'internal').details).toEqual({ request_id: 'trace-abc.123' });
    expect(response.headers.get('x-request-id')).toBe('trace-abc.123');
  });

  it('tRPC ⇒ INTERNAL_SERVER_ERROR with error "internal" and no detail', async () => {
    const outcome = await broken
      .client(harness.token)
      .campaigns.get.query({ id: missingId() })
      .then(
        () => 'resolved',
        (error: unknown) => error,
      );
    if (!isCampaignsClientError(outcome)) throw new Error(`expected a client error, got ${String(outcome)}`);
    expect(outcome.data?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(outcome.data?.error).toBe('internal');
    expect(outcome.message).toBe('Internal server error');
    expectNoLeak(JSON.stringify({ message: outcome.message, data: outcome.data, shape: outcome.shape }));
  });

  it('/readyz says unavailable instead of failing', async () => {
    // Readiness here only checks migrations over its own connection, which fails: 503, not a crash.
    const response = await brokenRest('GET', '/readyz');
    expect(response.status).toBe(503);
  });
});
