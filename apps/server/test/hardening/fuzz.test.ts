import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { API_ERROR_CODES, type Campaign, type Step } from '@campaigns/contract';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/harness';
import { type Rest, restClient } from '../support/rest';

// docs/hardening.md, Fuzzing: thousands of generated requests against the live server — wrong types,
// missing and extra keys, odd strings (unicode, NUL, lone surrogates, invalid UTF-8 bytes), numbers at
// the limits, prototype keys, random ids, methods and paths under /v1 and /trpc. Every answer is a 2xx
// or a 4xx in the contract's error shape (and, through the harness, conforms to the OpenAPI document);
// the server stays healthy; the stored data stays consistent. FUZZ_RUNS=20000 for a longer run.

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const CAMPAIGNS = '/v1/messaging/campaigns';
const ERROR_CODES = new Set<string>(API_ERROR_CODES);

let server: TestServer;
let webRoot: string;
let rest: Rest;
/** Ids that exist (both brands), so that generated requests reach the services, not only 404s. */
const campaignIds: string[] = [];
const stepIds: string[] = [];
const tokens: Array<string | undefined> = [];

// ---------------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Strings that have broken servers before: empty, blanks, NUL, surrogates, RTL marks, SQL, paths. */
const oddString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\uD800',
    'x\uDFFFy',
    '\uD83D\uDE00',
    '\u202E\u0301',
    '\uFEFF',
    '\r\n',
    "'; DROP TABLE campaigns; --",
    '../../etc/passwd',
    '%00',
    '%C3%28',
    '__proto__',
    'constructor',
    'prototype',
    'NaN',
    'Infinity',
    '-0',
    '1e308',
    '0x10',
    '2147483648',
    '9007199254740993',
    'null',
    'true',
    '2026-02-30T10:00:00Z',
    '2026-11-23T10:00:00',
    '+275760-09-13T00:00:00.000Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999+14:00',
    '2099-01-01T00:00:00.000Z',
    'cmp_00000000000000000000000000000000',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc
    .array(fc.oneof(loneSurrogate, fc.constantFrom('a', '\u0000', 'é')), { maxLength: 6 })
    .map((s) => s.join('')),
  fc.constantFrom(200, 201, 2000, 2001, 40_000).map((n) => 'x'.repeat(n)),
);

const oddNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    0.5,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31),
    -(2 ** 31) - 1,
    2 ** 53,
    -(2 ** 53),
    2 ** 53 + 2,
    1e308,
    -1e308,
    5e-324,
    100,
    101,
    525_600,
    525_601,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const leaf = fc.oneof(oddString, oddNumber, fc.boolean(), fc.constant(null));

/** Any JSON value, including deep nesting and prototype keys. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.oneof(oddString, fc.constantFrom('__proto__', 'constructor')), leaf, {
      maxKeys: 4,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(64, 5_000, 100_000).map((depth) => nested(depth)) },
);

/** JSON text used as is: values too deep for JSON.stringify's recursion. */
class RawJson {
  constructor(readonly text: string) {}
}

const nested = (depth: number) => new RawJson(`${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`);
const jsonText = (value: unknown): string =>
  value instanceof RawJson ? value.text : (JSON.stringify(value) ?? 'null');

// ---------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** JSON text of an object given as entries, so that `__proto__` and duplicate keys survive. */
const objectText = (entries: Array<[string, unknown]>) =>
  `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${jsonText(value)}`).join(',')}}`;

type Mutation =
  | { kind: 'set'; key: string; value: unknown }
  | { kind: 'drop'; index: number }
  | { kind: 'none' };

const mutation = (keys: readonly string[]): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom(...keys), value: oddValue }),
    fc.record({
      kind: fc.constant('set' as const),
      key: fc.oneof(oddString, fc.constantFrom('__proto__', 'constructor', 'id', 'brand_id', 'status')),
      value: oddValue,
    }),
    fc.record({ kind: fc.constant('drop' as const), index: fc.nat() }),
    fc.constant({ kind: 'none' as const }),
  );

/** A valid body template, then up to three changes: wrong types, odd values, missing and extra keys. */
function body(template: Record<string, unknown>): fc.Arbitrary<string> {
  const keys = Object.keys(template);
  return fc.array(mutation(keys.length ? keys : ['name']), { maxLength: 3 }).map((mutations) => {
    let entries: Array<[string, unknown]> = Object.entries(template);
    for (const m of mutations) {
      if (m.kind === 'set') entries = [...entries.filter(([key]) => key !== m.key), [m.key, m.value]];
      if (m.kind === 'drop' && entries.length)
        entries = entries.filter((_, i) => i !== m.index % entries.length);
    }
    return objectText(entries);
  });
}

/** A path segment: a real id (resolved when the request is built), odd text, or raw junk. */
const pathSegment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('@campaign', '@step', '@other') },
  { weight: 2, arbitrary: oddString.map((s) => encode(s)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('%', '%zz', '%C3%28', '%00', '%2F', '..', '.', '%E0%80%80', '%ED%A0%80'),
  },
  // Routing edges (issue 12): `//`, backslashes, encoded slashes and a segment past the router's limit.
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '\\', '%5C', '%5c', '%2F%2F', 'a'.repeat(5_001), `${'%61'.repeat(2_000)}`),
  },
);

/** Whole /v1 paths no route matches, which the static web app's fallback once answered with 403s. */
const oddPrefix = fc.constantFrom(
  '/v1/messaging//campaigns',
  '/v1//messaging/campaigns',
  '/v1/nope%5C',
  '/v1/%5C..%5Cindex.html',
  '/v1/messaging/%2E%2E/%2E%2E/index.html',
  '/v1/index.html',
  `/v1/messaging/campaigns/${'a'.repeat(5_001)}`,
  '/v1/messaging/campaigns%2Fx',
);

/** Percent-encodes any string byte by byte (a lone surrogate becomes U+FFFD's bytes). */
function encode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

/** Placeholders become real ids here: the pools are filled in beforeAll, after the arbitraries are built. */
const resolveSegment = (segment: string, pick: number): string => {
  if (segment === '@campaign') return campaignIds[pick % campaignIds.length] ?? 'x';
  if (segment === '@step') return stepIds[pick % stepIds.length] ?? 'x';
  if (segment === '@other') return 'cmp_ffffffffffffffffffffffffffffffff';
  return segment;
};

const STEP = {
  position: 0,
  template_id: 'tpl_1',
  template_version_id: 'tplv_1',
  delay_minutes: 5,
  variables: { a: 1 },
};
const REST_OPERATIONS: Array<{ method: string; path: string[]; template?: Record<string, unknown> }> = [
  { method: 'POST', path: [], template: { name: 'Fuzz', description: 'd', segment_id: 'seg_1' } },
  { method: 'GET', path: [] },
  { method: 'GET', path: ['{id}'] },
  { method: 'PATCH', path: ['{id}'], template: { name: 'Renamed', description: null, segment_id: 'seg_2' } },
  { method: 'POST', path: ['{id}', 'schedule'], template: { scheduled_at: '2099-01-01T00:00:00.000Z' } },
  { method: 'POST', path: ['{id}', 'unschedule'], template: {} },
  { method: 'POST', path: ['{id}', 'cancel'], template: {} },
  { method: 'POST', path: ['{id}', 'steps'], template: STEP },
  { method: 'GET', path: ['{id}', 'steps'] },
  { method: 'PATCH', path: ['{id}', 'steps', '{step_id}'], template: STEP },
  { method: 'DELETE', path: ['{id}', 'steps', '{step_id}'] },
  { method: 'GET', path: ['{id}', 'deliveries'] },
  { method: 'GET', path: ['{id}', 'events'] },
];

const queryString = fc
  .array(
    fc.tuple(
      fc.constantFrom('status', 'limit', 'cursor', 'id', '__proto__', 'x'),
      fc.oneof(
        oddString.map(encode),
        fc.constantFrom('draft', '1', '100', '101', '0', '-1', '1e2', '%', '%C3%28'),
      ),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

/** `arbitrary` once in `n` draws, else undefined. */
const oneIn = <T>(n: number, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

const token = fc.nat().map((i) => tokens[i % tokens.length]);
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** Bodies no JSON encoder would write: invalid UTF-8, raw NUL and control bytes, truncation, size. */
const rawBody = fc.oneof(
  fc.constantFrom(
    Uint8Array.from([...Buffer.from('{"name":"a'), 0xc3, 0x28, ...Buffer.from('b","segment_id":"s"}')]),
    Uint8Array.from([...Buffer.from('{"name":"'), 0xff, 0xfe, ...Buffer.from('","segment_id":"s"}')]),
    Uint8Array.from([...Buffer.from('{"name":"'), 0xed, 0xa0, 0x80, ...Buffer.from('","segment_id":"s"}')]),
    Uint8Array.from([...Buffer.from('{"name":"a'), 0x00, ...Buffer.from('b","segment_id":"s"}')]),
    Uint8Array.from([...Buffer.from('{"variables":{"'), 0xc0, 0xaf, ...Buffer.from('":1},"position":0}')]),
    utf8('{"name":"a\\u0000b","segment_id":"s"}'),
    utf8('{"name":"\\ud800","segment_id":"\\udfff"}'),
    utf8('{"position":0,"template_id":"t","template_version_id":"v","variables":{"\\ud800":"\\udc00x"}}'),
    utf8('{"position":0,"template_id":"t","template_version_id":"v","variables":{"k":"\\u0000"}}'),
    utf8('{"__proto__":{"admin":true},"name":"p","segment_id":"s"}'),
    utf8('{"constructor":{"prototype":{"x":1}},"name":"p","segment_id":"s"}'),
    utf8('{"name":"a",'),
    utf8('[1,2,3]'),
    utf8('"just a string"'),
    utf8('null'),
    utf8(''),
    utf8('{"name":"x","name":"y","segment_id":"s"}'),
    utf8(`{"variables":${'['.repeat(20_000)}${']'.repeat(20_000)}}`),
    utf8(`{"name":"${'x'.repeat(1_100_000)}"}`),
  ),
  fc.uint8Array({ maxLength: 64 }),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
);

const restRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    operation: fc.constantFrom(...REST_OPERATIONS),
    id: pathSegment,
    stepId: fc.oneof(pathSegment, fc.constant('@step')),
    pick: fc.nat(),
    query: queryString,
    token,
    raw: oneIn(6, rawBody),
    type: oneIn(5, contentType),
    methodOverride: oneIn(8, fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD')),
    prefix: oneIn(8, oddPrefix),
  })
  .chain((r) =>
    (r.operation.template ? body(r.operation.template) : fc.constant(undefined)).map((text) => {
      const segments = r.operation.path.map((s) =>
        s === '{id}'
          ? resolveSegment(r.id, r.pick)
          : s === '{step_id}'
            ? resolveSegment(r.stepId, r.pick)
            : s,
      );
      const method = r.methodOverride ?? r.operation.method;
      const headers: Record<string, string> = {};
      if (r.token) headers.authorization = `Bearer ${r.token}`;
      const payload =
        method === 'GET' || method === 'HEAD'
          ? undefined
          : (r.raw ?? (text === undefined ? undefined : utf8(text)));
      if (payload !== undefined) headers['content-type'] = r.type ?? 'application/json';
      return {
        method,
        path:
          r.prefix ??
          `${CAMPAIGNS}${segments.map((s) => `/${s}`).join('')}${r.operation.method === 'GET' ? r.query : ''}`,
        headers,
        ...(payload !== undefined ? { body: payload } : {}),
      };
    }),
  );

const SCHEDULE = { scheduled_at: '2099-01-01T00:00:00.000Z' };
/** Each procedure with a valid input template ('@campaign'/'@step' become real ids). */
const PROCEDURES: Record<string, { query: boolean; template: Record<string, unknown> }> = {
  create: { query: false, template: { name: 'T', description: null, segment_id: 's' } },
  get: { query: true, template: { id: '@campaign' } },
  list: { query: true, template: { limit: 5, status: 'draft' } },
  update: { query: false, template: { id: '@campaign', name: 'U' } },
  schedule: { query: false, template: { id: '@campaign', ...SCHEDULE } },
  unschedule: { query: false, template: { id: '@campaign' } },
  cancel: { query: false, template: { id: '@campaign' } },
  addStep: { query: false, template: { id: '@campaign', ...STEP } },
  listSteps: { query: true, template: { id: '@campaign' } },
  updateStep: { query: false, template: { id: '@campaign', step_id: '@step', position: 0 } },
  removeStep: { query: false, template: { id: '@campaign', step_id: '@step' } },
  listDeliveries: { query: true, template: { id: '@campaign' } },
  listEvents: { query: true, template: { id: '@campaign', limit: 10 } },
};

/** tRPC over HTTP with the superjson wire format ({json: input}), inputs mutated like REST bodies. */
const trpcRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    procedure: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom(...Object.keys(PROCEDURES)) },
      { weight: 1, arbitrary: oddString.map(encode) },
    ),
    pick: fc.nat(),
    token,
    batch: fc.boolean(),
    wrap: fc.constantFrom('json', 'json', 'json', 'bare', 'meta'),
    raw: oneIn(8, rawBody),
    wrongMethod: oneIn(10, fc.constant(true)),
  })
  .chain((r) =>
    body(PROCEDURES[r.procedure]?.template ?? { id: '@campaign' }).map((input) => {
      const inputText = input
        .replaceAll('"@campaign"', JSON.stringify(resolveSegment('@campaign', r.pick)))
        .replaceAll('"@step"', JSON.stringify(resolveSegment('@step', r.pick)));
      const wire =
        r.wrap === 'json'
          ? `{"json":${inputText}}`
          : r.wrap === 'meta'
            ? `{"json":${inputText},"meta":{"values":{"id":["Date"]}}}`
            : inputText;
      const isQuery = PROCEDURES[r.procedure]?.query ?? false;
      const method = r.wrongMethod ? (isQuery ? 'POST' : 'GET') : isQuery ? 'GET' : 'POST';
      const headers: Record<string, string> = {};
      if (r.token) headers.authorization = `Bearer ${r.token}`;
      const name = `campaigns.${r.procedure}`;
      const payload = r.batch ? `{"0":${wire}}` : wire;
      if (method === 'GET') {
        return {
          method,
          path: `/trpc/${name}?${r.batch ? 'batch=1&' : ''}input=${encode(payload)}`,
          headers,
        };
      }
      headers['content-type'] = 'application/json';
      return {
        method,
        path: `/trpc/${name}${r.batch ? '?batch=1' : ''}`,
        headers,
        body: r.raw ?? utf8(payload),
      };
    }),
  );

/** Anything at all under /v1 and /trpc. */
const randomRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    prefix: fc.constantFrom(
      '/v1',
      '/v1/',
      '/v1/messaging',
      `${CAMPAIGNS}/`,
      '/trpc',
      '/trpc/',
      '/trpc/campaigns',
      '/v1//messaging',
    ),
    segments: fc.array(
      fc.oneof(oddString.map(encode), fc.constantFrom('campaigns', 'steps', '..', '%', '%C3%28')),
      {
        maxLength: 4,
      },
    ),
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
    token,
    body: oneIn(2, rawBody),
  })
  .map((r) => {
    const headers: Record<string, string> = {};
    if (r.token) headers.authorization = `Bearer ${r.token}`;
    const hasBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
    if (hasBody) headers['content-type'] = 'application/json';
    return {
      method: r.method,
      path: `${r.prefix}${r.segments.map((s) => `/${s}`).join('')}`,
      headers,
      ...(hasBody && r.body ? { body: r.body } : {}),
    };
  });

/** Counterexamples print short: a request can carry a megabyte. */
const printable = (request: FuzzRequest): FuzzRequest =>
  Object.assign(request, {
    [fc.toStringMethod]: () => {
      const body = request.body ? Buffer.from(request.body.subarray(0, 300)).toString('latin1') : '';
      return `${request.method} ${request.path.slice(0, 300)} ${JSON.stringify(request.headers).slice(0, 300)} ${JSON.stringify(body)} (${request.body?.length ?? 0} bytes)`;
    },
  });

const anyRequest = fc
  .oneof(
    { weight: 6, arbitrary: restRequest },
    { weight: 3, arbitrary: trpcRequest },
    { weight: 1, arbitrary: randomRequest },
  )
  .map(printable);

// ---------------------------------------------------------------------------------------------------
// Oracles
// ---------------------------------------------------------------------------------------------------

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** REST: exactly {error, message, details}, error a contract code. */
function restErrorProblem(body: unknown): string | undefined {
  if (!isRecord(body)) return 'not a JSON object';
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'details,error,message') return `keys ${keys}`;
  if (typeof body.error !== 'string' || !ERROR_CODES.has(body.error)) return `error ${String(body.error)}`;
  if (typeof body.message !== 'string') return 'message not a string';
  if (!isRecord(body.details)) return 'details not an object';
  return undefined;
}

/** tRPC (superjson): {error: {json: {message, code, data: {error, ...}}}}, or a batch of such. */
function trpcErrorProblem(body: unknown): string | undefined {
  const items = Array.isArray(body) ? body : [body];
  for (const item of items) {
    if (!isRecord(item)) return 'not an object';
    if (item.result !== undefined) continue; // a successful call in a batch
    const error = isRecord(item.error) ? item.error.json : undefined;
    const data = isRecord(error) ? error.data : undefined;
    if (!isRecord(data) || typeof data.error !== 'string' || !ERROR_CODES.has(data.error)) {
      return `no error.data.error in ${JSON.stringify(item).slice(0, 200)}`;
    }
  }
  return undefined;
}

const seen = new Map<number, number>();

async function send(request: FuzzRequest): Promise<void> {
  const response = await fetch(`${server.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  const text = await response.text();
  seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
  const label = `${request.method} ${request.path.slice(0, 200)} → ${response.status} ${text.slice(0, 300)}`;
  expect(response.status, label).toBeLessThan(500);
  expect(response.status, label).toBeGreaterThanOrEqual(200);
  // Node itself answers 431 to a request head over the header size limit, before Fastify parses it.
  if (response.status < 400 || request.method === 'HEAD' || response.status === 431) return;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${label}: error body is not JSON`);
  }
  // fetch resolves `..` segments: judge by the path the server received.
  const path = new URL(request.path, server.url).pathname;
  const problem = path.startsWith('/trpc/') ? trpcErrorProblem(body) : restErrorProblem(body);
  // Paths outside both surfaces' prefixes (e.g. `/trpc` itself, `/v1/../x`) may answer Fastify's 404.
  const outside = !path.startsWith('/trpc/') && path !== '/v1' && !path.startsWith('/v1/');
  if (problem && !outside) throw new Error(`${label}: ${problem}`);
}

// ---------------------------------------------------------------------------------------------------

beforeAll(async () => {
  // With a web app to serve, so that its static fallback is part of what is fuzzed.
  webRoot = await mkdtemp(path.join(tmpdir(), 'campaigns-fuzz-web-'));
  await mkdir(path.join(webRoot, 'assets'));
  await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(path.join(webRoot, 'assets', 'app-1.js'), 'export {};');
  server = await startTestServer({ webRoot });
  rest = restClient(server.url);
  const [writer, other, readOnly, expired] = await Promise.all([
    server.token({ brand: 'brand_fuzz', sub: 'user_fuzz' }),
    server.token({ brand: 'brand_other', sub: 'user_other' }),
    server.token({ brand: 'brand_fuzz', sub: 'user_reader', scopes: ['messaging:campaigns:read'] }),
    server.token({ brand: 'brand_fuzz', expiresIn: new Date(Date.now() - 3_600_000) }),
  ]);
  tokens.push(writer, writer, writer, writer, other, readOnly, expired, undefined, 'a.b.c');
  for (const [owner, steps] of [
    [writer, 3],
    [writer, 1],
    [writer, 0],
    [other, 2],
  ] as const) {
    const campaign = (
      await rest<Campaign>('POST', CAMPAIGNS, { token: owner, body: { name: 'Seed', segment_id: 's' } })
    ).body;
    campaignIds.push(campaign.id);
    for (let i = 0; i < steps; i += 1) {
      const step = await rest<Step>('POST', `${CAMPAIGNS}/${campaign.id}/steps`, {
        token: owner,
        body: { position: 0, template_id: 't', template_version_id: 'v' },
      });
      stepIds.push(step.body.id);
    }
  }
});
afterAll(async () => {
  await server?.close();
  await rm(webRoot, { recursive: true, force: true });
});

describe('bytes and names that once reached past validation (regressions found by the fuzzer)', () => {
  const writer = () => tokens[0] as string;
  const post = async (path: string, body: Uint8Array | string) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer()}`, 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const bytes = (...parts: Array<string | number[]>) =>
    Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...Buffer.from(part)] : part)));
  const draftSteps = () => `${CAMPAIGNS}/${campaignIds[2]}/steps`;
  const STEP_JSON = '"position":0,"template_id":"t","template_version_id":"v"';

  it('a raw NUL byte in a JSON string is malformed JSON: 400', async () => {
    const response = await post(CAMPAIGNS, bytes('{"name":"a', [0x00], 'b","segment_id":"s"}'));
    expect(response).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
  });

  it('an escaped NUL (\\u0000) in text or in step variables is a 400 on that field, not a database error', async () => {
    const name = await post(CAMPAIGNS, '{"name":"a\\u0000b","segment_id":"s"}');
    expect(name).toMatchObject({ status: 400, body: { details: { issues: [{ path: ['name'] }] } } });
    const variables = await post(draftSteps(), `{${STEP_JSON},"variables":{"k":"\\u0000"}}`);
    expect(variables).toMatchObject({
      status: 400,
      body: { details: { issues: [{ path: ['variables'] }] } },
    });
  });

  it.each([
    ['a lone high surrogate in a variable value', `{${STEP_JSON},"variables":{"k":"\\ud800"}}`, 'variables'],
    ['a lone low surrogate in a variable key', `{${STEP_JSON},"variables":{"\\udc00":1}}`, 'variables'],
    [
      'a lone surrogate deep in the variables',
      `{${STEP_JSON},"variables":{"a":[{"b":["\\udfff"]}]}}`,
      'variables',
    ],
    [
      'a lone surrogate in template_id',
      '{"position":0,"template_id":"\\ud800","template_version_id":"v"}',
      'template_id',
    ],
  ])('%s is a 400 (jsonb refuses it; text would silently become U+FFFD)', async (_name, body, field) => {
    const response = await post(draftSteps(), body);
    expect(response).toMatchObject({ status: 400, body: { details: { issues: [{ path: [field] }] } } });
  });

  it('a paired surrogate (an emoji) is fine everywhere', async () => {
    const response = await post(
      draftSteps(),
      `{${STEP_JSON},"variables":{"\\ud83d\\ude00":"\\ud83d\\ude00"}}`,
    );
    expect(response).toMatchObject({ status: 201, body: { variables: { '\u{1F600}': '\u{1F600}' } } });
    await fetch(`${server.url}${draftSteps()}/${String(response.body.id)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${writer()}` },
    });
  });

  it('a lone surrogate over tRPC is BAD_REQUEST too', async () => {
    const response = await post('/trpc/campaigns.create', '{"json":{"name":"\\ud800","segment_id":"s"}}');
    expect(response.status).toBe(400);
  });

  it('invalid UTF-8 bytes are decoded as U+FFFD before validation (never a 500; documented)', async () => {
    for (const invalid of [
      [0xc3, 0x28],
      [0xff, 0xfe],
      [0xed, 0xa0, 0x80],
      [0xc0, 0xaf],
    ]) {
      const response = await post(CAMPAIGNS, bytes('{"name":"a', invalid, 'b","segment_id":"s"}'));
      expect(response.status).toBe(201);
      expect(String(response.body.name)).toMatch(/^a\uFFFD+.?b$/);
    }
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'a query parameter named %s is an unknown field (400), not a TypeError (500)',
    async (name) => {
      const response = await rest<{ details: unknown }>('GET', `${CAMPAIGNS}?${name}=1`, { token: writer() });
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual({
        issues: [{ path: [name], message: 'Unknown field' }],
        issue_count: 1,
      });
    },
  );

  it('unmatched /trpc paths and their unparsable bodies answer in the tRPC error shape', async () => {
    for (const [method, path] of [
      ['GET', '/trpc//x'],
      ['DELETE', '/trpc/campaigns/list'],
      ['POST', `/trpc/campaigns.${'x'.repeat(200)}`],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'GET' ? null : '{not json',
      });
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
      expect(trpcErrorProblem(await response.json()), path).toBeUndefined();
    }
  });
});

describe('fuzz', () => {
  it(`${RUNS} generated requests: only 2xx and contract-shaped 4xx, never a 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(anyRequest, async (request) => {
        await send(request);
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
    // Sanity: the generator reached the services, not only the error paths.
    const ok = [...seen].filter(([status]) => status < 300).reduce((sum, [, n]) => sum + n, 0);
    const statuses = JSON.stringify(Object.fromEntries(seen));
    expect(ok, statuses).toBeGreaterThan(RUNS / 50);
    for (const status of [400, 401, 404, 412]) expect(seen.get(status) ?? 0, statuses).toBeGreaterThan(0);
  }, 180_000);

  it('the server is still healthy and ready', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const token = tokens[0] as string;
    expect((await rest('GET', CAMPAIGNS, { token })).status).toBe(200);
  });

  it('the stored data is consistent: positions 0..n-1, statuses agree with timestamps, the audit trail agrees', async () => {
    const db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    try {
      const gaps = await db.query(`
        SELECT campaign_id, array_agg(position ORDER BY position) AS positions
          FROM campaign_steps GROUP BY campaign_id
        HAVING min(position) <> 0 OR max(position) <> count(*) - 1 OR count(DISTINCT position) <> count(*)`);
      expect(gaps.rows).toEqual([]);

      const inconsistent = await db.query(`
        SELECT id, status, scheduled_at, published_at, sent_at, cancelled_at FROM campaigns WHERE NOT (
          updated_at >= created_at
          AND (status <> 'draft' OR (scheduled_at IS NULL AND published_at IS NULL AND sent_at IS NULL AND cancelled_at IS NULL))
          AND (status <> 'scheduled' OR (scheduled_at IS NOT NULL AND published_at IS NOT NULL AND sent_at IS NULL AND cancelled_at IS NULL))
          AND ((status = 'cancelled') = (cancelled_at IS NOT NULL))
          AND ((status = 'sent') = (sent_at IS NOT NULL))
          AND char_length(name) BETWEEN 1 AND 200
          AND (SELECT count(*) FROM campaign_steps s WHERE s.campaign_id = campaigns.id) <= 100)`);
      expect(inconsistent.rows).toEqual([]);

      // Scheduled campaigns have steps (only draft campaigns can lose them).
      const emptyScheduled = await db.query(`
        SELECT id FROM campaigns c WHERE status = 'scheduled'
           AND NOT EXISTS (SELECT 1 FROM campaign_steps s WHERE s.campaign_id = c.id)`);
      expect(emptyScheduled.rows).toEqual([]);

      // The audit trail replays to the stored state: it starts with campaign.created, the last
      // campaign event's `after` is the campaign (but for updated_at, which step edits move), and the
      // steps are those added and not removed.
      const campaigns = await db.query<{ id: string; brand_id: string }>(
        'SELECT id, brand_id FROM campaigns',
      );
      expect(campaigns.rows.length).toBeGreaterThan(4);
      const tokenOf = (brand: string) => (brand === 'brand_other' ? tokens[4] : tokens[0]) as string;
      for (const { id, brand_id: brand } of campaigns.rows) {
        const events = await db.query<{
          action: string;
          step_id: string | null;
          after: Record<string, unknown> | null;
        }>('SELECT action, step_id, after FROM audit_events WHERE campaign_id = $1 ORDER BY seq', [id]);
        expect(events.rows[0]?.action).toBe('campaign.created');
        const current = (await rest<Campaign>('GET', `${CAMPAIGNS}/${id}`, { token: tokenOf(brand) })).body;
        const lastCampaign = events.rows.filter((e) => e.action.startsWith('campaign.')).at(-1)?.after;
        expect({ ...lastCampaign, updated_at: null }).toEqual({ ...current, updated_at: null });
        const live = new Set<string>();
        for (const e of events.rows) {
          if (e.action === 'step.added' && e.step_id) live.add(e.step_id);
          if (e.action === 'step.removed' && e.step_id) live.delete(e.step_id);
        }
        const steps = await db.query<{ id: string }>('SELECT id FROM campaign_steps WHERE campaign_id = $1', [
          id,
        ]);
        expect(new Set(steps.rows.map((s) => s.id))).toEqual(live);
      }
    } finally {
      await db.end();
    }
  });
});
