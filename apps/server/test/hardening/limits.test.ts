import { connect } from 'node:net';
import { isCampaignsClientError } from '@campaigns/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness';
import { type Rest, restClient } from '../support/rest';
import { useTestServer } from '../support/use-test-server';

// docs/hardening.md, Limits: body size (BODY_LIMIT_BYTES), JSON nesting, header size (MAX_HEADER_SIZE) and
// the per-token rate limit (RATE_LIMIT_PER_MINUTE), over REST and tRPC.

const CAMPAIGNS = '/v1/messaging/campaigns';

/** `{"a":{"a":…{"a":1}…}}` with `levels` objects. */
const nestedObject = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
};

/**
 * Bytes written to the socket in one piece, and the status and body of the answer. (Node's client writes a
 * request in several pieces; the server closes right after answering 431, and a piece arriving after
 * that close resets the connection before the answer is read.)
 */
function rawExchange(url: string, request: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () =>
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
        body: text.slice(text.indexOf('\r\n\r\n') + 4),
      }),
    );
  });
}

function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, pathname } = new URL(url);
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return rawExchange(
    url,
    `GET ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\nconnection: close\r\n${head}\r\n`,
  );
}

describe('body size, JSON nesting and header size', () => {
  let server: TestServer;
  let rest: Rest;
  let token: string;
  let draftId: string;

  beforeAll(async () => {
    server = await startTestServer({ http: { bodyLimitBytes: 64 * 1024, maxHeaderSizeBytes: 8 * 1024 } });
    rest = restClient(server.url);
    token = await server.token();
    const created = await rest<{ id: string }>('POST', CAMPAIGNS, {
      token,
      body: { name: 'L', segment_id: 's' },
    });
    draftId = created.body.id;
  });
  afterAll(() => server?.close());

  const stepsPath = () => `${CAMPAIGNS}/${draftId}/steps`;
  const step = (variables: Record<string, unknown>) => ({
    position: 0,
    template_id: 't',
    template_version_id: 'v',
    variables,
  });

  it('BODY_LIMIT_BYTES is the limit: over it 413 payload_too_large on REST and tRPC', async () => {
    const big = { name: 'x'.repeat(70 * 1024), segment_id: 's' };
    const response = await rest('POST', CAMPAIGNS, { token, body: big });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: 'payload_too_large' });

    const outcome = await server
      .client(token)
      .campaigns.create.mutate(big)
      .catch((error: unknown) => error);
    if (!isCampaignsClientError(outcome)) throw new Error('expected a client error');
    expect(outcome.data?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(outcome.data?.error).toBe('payload_too_large');
  });

  it('variables nested 31 levels deep (32 with the body) are accepted', async () => {
    const response = await rest('POST', stepsPath(), { token, body: step(nestedObject(30)) });
    expect(response.status, response.text).toBe(201);
  });

  it('a body nested deeper than 32 levels ⇒ 400 validation_failed saying so, on REST', async () => {
    const response = await rest('POST', stepsPath(), { token, body: step(nestedObject(32)) });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'validation_failed',
      message: 'JSON body nests deeper than 32 levels',
      details: { issues: [{ path: [], message: 'JSON body nests deeper than 32 levels' }], issue_count: 1 },
    });
  });

  it('pathological nesting (60k levels, under the size limit) ⇒ 400, not a 500 or a crash', async () => {
    const raw = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const arrays = await rest('POST', stepsPath(), {
      token,
      raw,
      headers: { 'content-type': 'application/json' },
    });
    expect(arrays.status).toBe(400);
    const inVariables = `{"position":0,"template_id":"t","template_version_id":"v","variables":{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`;
    const deep = await rest('POST', stepsPath(), {
      token,
      raw: inVariables,
      headers: { 'content-type': 'application/json' },
    });
    expect(deep.status).toBe(400);
    expect(deep.body).toMatchObject({ error: 'validation_failed' });
  });

  it('brackets inside strings do not count', async () => {
    const response = await rest('POST', stepsPath(), { token, body: step({ text: '[[[[{{{{'.repeat(100) }) });
    expect(response.status, response.text).toBe(201);
  });

  it('tRPC: the same input depth is accepted, one more level is BAD_REQUEST', async () => {
    const client = server.client(token, { batch: true });
    const ok = await client.campaigns.addStep.mutate({ id: draftId, ...step(nestedObject(30)) });
    expect(ok.position).toBe(0);
    const outcome = await client.campaigns.addStep
      .mutate({ id: draftId, ...step(nestedObject(32)) })
      .catch((error: unknown) => error);
    if (!isCampaignsClientError(outcome)) throw new Error('expected a client error');
    expect(outcome.data?.code).toBe('BAD_REQUEST');
    expect(outcome.message).toMatch(/deeper than 32 levels/);
  });

  it('a request head over MAX_HEADER_SIZE ⇒ 431 in the error shape; under it is served', async () => {
    const status = async (url: string, padding: number) =>
      (await rawGet(url, { 'x-padding': 'p'.repeat(padding) })).status;
    const refused = await rawGet(`${server.url}/v1/messaging/campaigns`, {
      'x-padding': 'p'.repeat(9 * 1024),
    });
    expect(refused.status).toBe(431);
    expect(JSON.parse(refused.body)).toEqual({
      error: 'payload_too_large',
      message: 'Request headers are too large',
      details: {},
    });
    expect(await status(`${server.url}/healthz`, 6 * 1024)).toBe(200);
    // Not HTTP at all: Node's parser refuses it, in the same shape.
    const garbage = await rawExchange(server.url, 'NOT AN HTTP REQUEST\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toEqual({
      error: 'validation_failed',
      message: 'Malformed HTTP request',
      details: {},
    });
    // The default (16 KiB) would have served the first one: the setting is what applies.
    const defaults = await startTestServer();
    try {
      expect(await status(`${defaults.url}/healthz`, 9 * 1024)).toBe(200);
      expect(await status(`${defaults.url}/healthz`, 17 * 1024)).toBe(431);
    } finally {
      await defaults.close();
    }
  });
});

describe('rate limit', () => {
  const LIMIT = 5;
  const harness = useTestServer({ http: { rateLimitPerMinute: LIMIT } });

  it('REST: after RATE_LIMIT_PER_MINUTE calls ⇒ 429 rate_limited with Retry-After', async () => {
    const token = await harness.server.token({ brand: 'brand_rl', sub: 'rest' });
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await harness.rest('GET', CAMPAIGNS, { token })).status);
    expect(statuses).toEqual(Array(LIMIT).fill(200));

    const limited = await harness.rest('GET', CAMPAIGNS, { token });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      error: 'rate_limited',
      message: expect.stringMatching(/retry in \d+ s/),
      details: { retry_after_seconds: expect.any(Number) },
    });
    const retryAfter = Number(limited.headers.get('retry-after'));
    // One call comes back every 60/LIMIT = 12 s.
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(12);
    expect((limited.body as { details: { retry_after_seconds: number } }).details.retry_after_seconds).toBe(
      retryAfter,
    );
    // Writes count too.
    expect(
      (await harness.rest('POST', CAMPAIGNS, { token, body: { name: 'n', segment_id: 's' } })).status,
    ).toBe(429);
  });

  it('tRPC: TOO_MANY_REQUESTS with data.error rate_limited and a Retry-After header', async () => {
    const token = await harness.server.token({ brand: 'brand_rl', sub: 'trpc' });
    const client = harness.server.client(token);
    for (let i = 0; i < LIMIT; i++) await client.campaigns.list.query({});
    const outcome = await client.campaigns.list.query({}).catch((error: unknown) => error);
    if (!isCampaignsClientError(outcome)) throw new Error('expected a client error');
    expect(outcome.data?.code).toBe('TOO_MANY_REQUESTS');
    expect(outcome.data?.httpStatus).toBe(429);
    expect(outcome.data?.error).toBe('rate_limited');

    const raw = await fetch(
      `${harness.server.url}/trpc/campaigns.list?input=${encodeURIComponent('{"json":{}}')}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('each token (brand + subject) has its own budget', async () => {
    const a = await harness.server.token({ brand: 'brand_rl_a', sub: 'same' });
    const b = await harness.server.token({ brand: 'brand_rl_b', sub: 'same' });
    for (let i = 0; i < LIMIT; i++)
      expect((await harness.rest('GET', CAMPAIGNS, { token: a })).status).toBe(200);
    expect((await harness.rest('GET', CAMPAIGNS, { token: a })).status).toBe(429);
    expect((await harness.rest('GET', CAMPAIGNS, { token: b })).status).toBe(200);
    // A fresh token of the same caller shares the caller's budget.
    const a2 = await harness.server.token({ brand: 'brand_rl_a', sub: 'same', expiresIn: '2h' });
    expect((await harness.rest('GET', CAMPAIGNS, { token: a2 })).status).toBe(429);
  });

  it('calls without a valid token are limited by address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) {
      statuses.push((await harness.rest('GET', CAMPAIGNS, { token: `bogus.${i}.token` })).status);
    }
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
    expect(statuses[LIMIT]).toBe(429);
  });

  it('no limit when unset (the default test server)', async () => {
    const unlimited = await startTestServer();
    try {
      const token = await unlimited.token();
      const responses = await Promise.all(
        Array.from({ length: 30 }, () => restClient(unlimited.url)('GET', CAMPAIGNS, { token })),
      );
      expect(responses.every((response) => response.status === 200)).toBe(true);
    } finally {
      await unlimited.close();
    }
  });
});
