import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { type AppRouter, appRouter, createContextFactory } from '@campaigns/api';
import { SCOPES } from '@campaigns/contract';
import { createHs256Verifier, systemClock } from '@campaigns/core';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from './support/harness';
import { waitFor } from './support/processes';

// A differential test of src/http/trpc-fast-path.ts: every request goes, byte for byte, to the real app
// (fast path on) and to a REFERENCE server that is nothing but tRPC's official Fastify plugin over the
// same router, context factory and database. Both must answer with the same status, the same JSON body
// and the same tRPC-relevant headers.
//
// Which code answered is visible from outside through the response framing (checked by hand first with
// curl against both servers): the fast path sends its body as one string, so Fastify writes a
// `content-length` header; tRPC's adapter hands Fastify a fetch `Response` whose body Fastify pipes as a
// stream, so it goes out `transfer-encoding: chunked` without a `content-length`.

const BRAND = 'brand_fastpath';
/** The real app's `maxParamLength` (app.ts, MAX_TRPC_PATH_LENGTH): batches name every call in the path. */
const MAX_TRPC_PATH_LENGTH = 5000;
/** The headers tRPC (or our procedures, through `ctx.responseHeaders`) put on an answer. */
const COMPARED_HEADERS = ['vary', 'retry-after', 'idempotent-replayed'] as const;

let server: TestServer;
let reference: FastifyInstance;
let referenceUrl: string;
let token: string;
let readOnlyToken: string;
/** A draft campaign without steps (scheduling it fails: no_steps). */
let draftId: string;
/** A draft campaign with one step. */
let withStepId: string;

beforeAll(async () => {
  server = await startTestServer();

  reference = Fastify({ logger: false, routerOptions: { maxParamLength: MAX_TRPC_PATH_LENGTH } });
  await reference.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      // As app.ts: the factory itself, handed tRPC's `{ req, res, info }`; it reads `req.headers`,
      // `req.ip` and `req.id` from the Fastify request. (app.ts adds a rate limiter only when one is
      // configured; the test server configures none.)
      createContext: createContextFactory({
        db: server.db,
        clock: systemClock,
        tokens: createHs256Verifier(TEST_JWT_SECRET),
      }),
      responseMeta: ({ ctx }) => ({ headers: ctx?.responseHeaders ?? {} }),
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });
  referenceUrl = await reference.listen({ port: 0, host: '127.0.0.1' });

  token = await server.token({ brand: BRAND, sub: 'user_fastpath' });
  readOnlyToken = await server.token({ brand: BRAND, sub: 'user_fastpath', scopes: [SCOPES.read] });
  const client = server.client(token);
  draftId = (await client.campaigns.create.mutate({ name: 'No steps', segment_id: 'seg_1' })).id;
  withStepId = (await client.campaigns.create.mutate({ name: 'One step', segment_id: 'seg_1' })).id;
  await client.campaigns.addStep.mutate({
    id: withStepId,
    position: 0,
    template_id: 'tpl_1',
    template_version_id: 'tpl_1_v1',
  });
});

afterAll(async () => {
  await reference?.close();
  await server?.close();
});

// --- requests and answers -------------------------------------------------------------------------

interface RawCall {
  method: 'GET' | 'POST';
  /** Path and query, as sent. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

interface Answer {
  status: number;
  text: string;
  /** The body parsed as JSON, or the text when it is not JSON (a JSONL stream). */
  body: unknown;
  headers: Headers;
}

interface Pair {
  real: Answer;
  reference: Answer;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function sendWithFetch(baseUrl: string, call: RawCall): Promise<Answer> {
  const response = await fetch(`${baseUrl}${call.path}`, {
    method: call.method,
    headers: call.headers ?? {},
    ...(call.body !== undefined ? { body: call.body } : {}),
  });
  const text = await response.text();
  return { status: response.status, text, body: parseBody(text), headers: response.headers };
}

/**
 * node:http sends the request target exactly as given, where fetch (WHATWG URL) would percent-encode
 * `"` and so on: for request lines a hand-written client (curl, a script) can send.
 */
function sendRaw(baseUrl: string, call: RawCall): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: hostname, port, method: call.method, path: call.path, headers: call.headers ?? {} },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('error', reject);
        response.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
              headers.append(name, item);
            }
          }
          resolve({ status: response.statusCode ?? 0, text, body: parseBody(text), headers });
        });
      },
    );
    request.on('error', reject);
    request.end(call.body);
  });
}

type Sender = (baseUrl: string, call: RawCall) => Promise<Answer>;

/** The same request to the real app, then to the reference (in turn: idempotency depends on order). */
async function exchange(call: RawCall, send: Sender = sendWithFetch): Promise<Pair> {
  const real = await send(server.url, call);
  const referenceAnswer = await send(referenceUrl, call);
  return { real, reference: referenceAnswer };
}

function expectSameAnswer(real: Answer, referenceAnswer: Answer): void {
  expect(real.status, 'status').toBe(referenceAnswer.status);
  expect(real.body, 'body').toEqual(referenceAnswer.body);
  for (const name of COMPARED_HEADERS) {
    expect(real.headers.get(name), `header ${name}`).toBe(referenceAnswer.headers.get(name));
  }
}

const framingOf = (answer: Answer) => ({
  contentLength: answer.headers.get('content-length') !== null,
  chunked: answer.headers.get('transfer-encoding') === 'chunked',
});
const FAST_PATH_FRAMING = { contentLength: true, chunked: false };
const ADAPTER_FRAMING = { contentLength: false, chunked: true };

/** Sends `call` to both; the real app must have answered it itself, exactly as the adapter does. */
async function viaFastPath(call: RawCall, send: Sender = sendWithFetch): Promise<Pair> {
  const pair = await exchange(call, send);
  expect(framingOf(pair.reference), 'the reference answers through the adapter').toEqual(ADAPTER_FRAMING);
  expect(framingOf(pair.real), 'the real app answered on the fast path').toEqual(FAST_PATH_FRAMING);
  expectSameAnswer(pair.real, pair.reference);
  return pair;
}

/** Sends `call` to both; the real app must have handed it to tRPC's adapter. */
async function viaAdapter(call: RawCall): Promise<Pair> {
  const pair = await exchange(call);
  expect(framingOf(pair.reference), 'the reference answers through the adapter').toEqual(ADAPTER_FRAMING);
  expect(framingOf(pair.real), 'the real app delegated to the adapter').toEqual(ADAPTER_FRAMING);
  expectSameAnswer(pair.real, pair.reference);
  return pair;
}

// --- building requests ----------------------------------------------------------------------------

const missingId = () => `cmp_${randomBytes(16).toString('hex')}`;
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
/** superjson's wire format of a value without Dates & co. */
const sj = (value: unknown) => ({ json: value });
const queryInput = (value: unknown) => `input=${encodeURIComponent(JSON.stringify(value))}`;
const auth = (bearer: string = token) => ({ authorization: `Bearer ${bearer}` });
const jsonPost = (path: string, body: string, bearer: string = token): RawCall => ({
  method: 'POST',
  path,
  headers: { ...auth(bearer), 'content-type': 'application/json' },
  body,
});
const errorCode = (code: string) => ({ error: { json: { data: { code } } } });

// --- the cases ------------------------------------------------------------------------------------

describe('answered on the fast path, exactly as tRPC’s adapter answers', () => {
  it('a query (GET ?input=)', async () => {
    const { real } = await viaFastPath({
      method: 'GET',
      path: `/trpc/campaigns.get?${queryInput(sj({ id: withStepId }))}`,
      headers: auth(),
    });
    expect(real.status).toBe(200);
    expect(real.body).toMatchObject({ result: { data: { json: { id: withStepId, brand_id: BRAND } } } });
  });

  it('a query on a path with an escape Fastify decodes to a plain path (campaigns%2Eget)', async () => {
    const { real } = await viaFastPath({
      method: 'GET',
      path: `/trpc/campaigns%2Eget?${queryInput(sj({ id: draftId }))}`,
      headers: auth(),
    });
    expect(real.status).toBe(200);
  });

  it('NOT_FOUND for a missing campaign (an id of valid shape)', async () => {
    const { real } = await viaFastPath({
      method: 'GET',
      path: `/trpc/campaigns.get?${queryInput(sj({ id: missingId() }))}`,
      headers: auth(),
    });
    expect(real.status).toBe(404);
    expect(real.body).toMatchObject(errorCode('NOT_FOUND'));
  });

  it('BAD_REQUEST for invalid input', async () => {
    const { real } = await viaFastPath({
      method: 'GET',
      path: `/trpc/campaigns.get?${queryInput(sj({ id: 42, extra: true }))}`,
      headers: auth(),
    });
    expect(real.status).toBe(400);
    expect(real.body).toMatchObject(errorCode('BAD_REQUEST'));
  });

  it('BAD_REQUEST for a query without input', async () => {
    const { real } = await viaFastPath({ method: 'GET', path: '/trpc/campaigns.get', headers: auth() });
    expect(real.status).toBe(400);
    expect(real.body).toMatchObject(errorCode('BAD_REQUEST'));
  });

  it('UNAUTHORIZED without a token', async () => {
    const { real } = await viaFastPath({
      method: 'GET',
      path: `/trpc/campaigns.get?${queryInput(sj({ id: draftId }))}`,
    });
    expect(real.status).toBe(401);
    expect(real.body).toMatchObject(errorCode('UNAUTHORIZED'));
  });

  it('FORBIDDEN for a mutation with a token without the write scope', async () => {
    const { real } = await viaFastPath(
      jsonPost(
        '/trpc/campaigns.create',
        JSON.stringify(sj({ name: 'Forbidden', segment_id: 'seg_1' })),
        readOnlyToken,
      ),
    );
    expect(real.status).toBe(403);
    expect(real.body).toMatchObject(errorCode('FORBIDDEN'));
  });

  it('a GET batch of three: success, not found, list (207, one result per call)', async () => {
    const { real } = await viaFastPath({
      method: 'GET',
      path:
        '/trpc/campaigns.get,campaigns.get,campaigns.list?batch=1&' +
        queryInput({ 0: sj({ id: draftId }), 1: sj({ id: missingId() }), 2: sj({ limit: 100 }) }),
      headers: auth(),
    });
    expect(real.status).toBe(207);
    expect(real.body).toMatchObject([
      { result: { data: { json: { id: draftId } } } },
      errorCode('NOT_FOUND'),
      { result: { data: { json: { items: expect.any(Array) } } } },
    ]);
  });

  it('a batch in which one call has no input', async () => {
    const { real } = await viaFastPath({
      method: 'GET',
      path: `/trpc/campaigns.get,campaigns.list?batch=1&${queryInput({ 0: sj({ id: draftId }) })}`,
      headers: auth(),
    });
    expect(real.status).toBe(207);
    expect(real.body).toMatchObject([
      { result: { data: { json: { id: draftId } } } },
      errorCode('BAD_REQUEST'),
    ]);
  });

  it('a batch without any input', async () => {
    const { real } = await viaFastPath({
      method: 'GET',
      path: '/trpc/campaigns.list,campaigns.get?batch=1',
      headers: auth(),
    });
    expect(real.status).toBe(400);
  });

  it('BAD_REQUEST for a POST mutation with invalid input', async () => {
    const { real } = await viaFastPath(
      jsonPost('/trpc/campaigns.create', JSON.stringify(sj({ name: '', segment_id: 'seg_1' }))),
    );
    expect(real.status).toBe(400);
    expect(real.body).toMatchObject(errorCode('BAD_REQUEST'));
  });

  it('PRECONDITION_FAILED (no_steps) for scheduling a draft without steps, which changes nothing', async () => {
    const { real } = await viaFastPath(
      jsonPost('/trpc/campaigns.schedule', JSON.stringify(sj({ id: draftId, scheduled_at: inAnHour() }))),
    );
    expect(real.status).toBe(412);
    expect(real.body).toMatchObject({
      error: { json: { data: { code: 'PRECONDITION_FAILED', details: { reason: 'no_steps' } } } },
    });
    expect(await server.client(token).campaigns.get.query({ id: draftId })).toMatchObject({
      status: 'draft',
    });
  });

  it('superjson meta in the input (a Date where the schema wants a string)', async () => {
    const { real } = await viaFastPath(
      jsonPost(
        '/trpc/campaigns.schedule',
        JSON.stringify({
          json: { id: draftId, scheduled_at: inAnHour() },
          meta: { values: { scheduled_at: ['Date'] } },
        }),
      ),
    );
    expect(real.status).toBe(400);
  });

  it('a POST batch of two failing mutations (412 and 400 → 207)', async () => {
    const { real } = await viaFastPath(
      jsonPost(
        '/trpc/campaigns.schedule,campaigns.create?batch=1',
        JSON.stringify({
          0: sj({ id: draftId, scheduled_at: inAnHour() }),
          1: sj({ name: 'x'.repeat(10_000), segment_id: 'seg_1' }),
        }),
      ),
    );
    expect(real.status).toBe(207);
    expect(real.body).toMatchObject([errorCode('PRECONDITION_FAILED'), errorCode('BAD_REQUEST')]);
  });

  it('an input of JSON null for a mutation ({"json": null})', async () => {
    const { real } = await viaFastPath(jsonPost('/trpc/campaigns.create', JSON.stringify(sj(null))));
    expect(real.status).toBe(400);
    expect(real.body).toMatchObject(errorCode('BAD_REQUEST'));
  });
});

describe('Idempotency-Key across both servers (one database)', () => {
  it('the reference replays what the fast path stored, and the fast path replays it alike', async () => {
    const create = jsonPost(
      '/trpc/campaigns.create',
      JSON.stringify(sj({ name: 'Idempotent', segment_id: 'seg_1' })),
    );
    const call: RawCall = {
      ...create,
      headers: { ...create.headers, 'idempotency-key': `fastpath-${randomUUID()}` },
    };

    const first = await sendWithFetch(server.url, call);
    expect(framingOf(first)).toEqual(FAST_PATH_FRAMING);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ result: { data: { json: { name: 'Idempotent', brand_id: BRAND } } } });
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const replayByReference = await sendWithFetch(referenceUrl, call);
    expect(framingOf(replayByReference)).toEqual(ADAPTER_FRAMING);
    expect(replayByReference.status).toBe(first.status);
    expect(replayByReference.body).toEqual(first.body);
    expect(replayByReference.headers.get('idempotent-replayed')).toBe('true');

    const replayByFastPath = await sendWithFetch(server.url, call);
    expect(framingOf(replayByFastPath)).toEqual(FAST_PATH_FRAMING);
    expectSameAnswer(replayByFastPath, replayByReference);
  });
});

describe('left to tRPC’s adapter, which answers them on both servers', () => {
  it('an unknown procedure', async () => {
    const { real } = await viaAdapter({
      method: 'GET',
      path: `/trpc/campaigns.nope?${queryInput(sj({ id: draftId }))}`,
      headers: auth(),
    });
    expect(real.status).toBe(404);
  });

  it('a GET to a mutation', async () => {
    const { real } = await viaAdapter({
      method: 'GET',
      path: `/trpc/campaigns.create?${queryInput(sj({ name: 'By GET', segment_id: 'seg_1' }))}`,
      headers: auth(),
    });
    expect(real.status).toBe(405);
  });

  it('a POST to a query', async () => {
    const { real } = await viaAdapter(jsonPost('/trpc/campaigns.get', JSON.stringify(sj({ id: draftId }))));
    expect(real.status).toBe(405);
  });

  it('malformed JSON in ?input=', async () => {
    // The message is V8's SyntaxError text: the same in both servers (one process, one Node).
    const { real } = await viaAdapter({
      method: 'GET',
      path: `/trpc/campaigns.get?input=${encodeURIComponent('{"json":')}`,
      headers: auth(),
    });
    expect(real.status).toBe(400);
  });

  it('a POST body that is not JSON', async () => {
    const { real } = await viaAdapter(jsonPost('/trpc/campaigns.create', '{'));
    expect(real.status).toBe(400);
  });

  it('a bare JSON null body for a mutation (not superjson)', async () => {
    const { real } = await viaAdapter(jsonPost('/trpc/campaigns.create', 'null'));
    expect(real.status).toBe(400);
  });

  it('a batch whose input is a JSON array', async () => {
    const { real } = await viaAdapter({
      method: 'GET',
      path: `/trpc/campaigns.get,campaigns.get?batch=1&${queryInput([sj({ id: draftId }), sj({ id: draftId })])}`,
      headers: auth(),
    });
    expect(real.status).toBe(400);
  });

  it('a path with a percent-escape left after Fastify’s decoding (campaigns%252Eget)', async () => {
    // Fastify decodes the path parameter once (`campaigns%2Eget`, not a plain path); tRPC's adapter
    // decodes it again and finds campaigns.get.
    const { real } = await viaAdapter({
      method: 'GET',
      path: `/trpc/campaigns%252Eget?${queryInput(sj({ id: draftId }))}`,
      headers: auth(),
    });
    expect(real.status).toBe(200);
  });

  it('another media type (text/plain)', async () => {
    const { real } = await viaAdapter({
      method: 'POST',
      path: '/trpc/campaigns.create',
      headers: { ...auth(), 'content-type': 'text/plain' },
      body: JSON.stringify(sj({ name: 'Text', segment_id: 'seg_1' })),
    });
    expect(real.status).toBe(415);
  });

  it('a repeated query parameter (?batch=1&batch=1)', async () => {
    const { real } = await viaAdapter({
      method: 'GET',
      path: `/trpc/campaigns.get?batch=1&batch=1&${queryInput({ 0: sj({ id: draftId }) })}`,
      headers: auth(),
    });
    expect(real.status).toBe(200);
  });

  it('streaming (trpc-accept: application/jsonl)', async () => {
    const { real } = await viaAdapter({
      method: 'GET',
      path: `/trpc/campaigns.get?batch=1&${queryInput({ 0: sj({ id: draftId }) })}`,
      headers: { ...auth(), 'trpc-accept': 'application/jsonl' },
    });
    expect(real.status).toBe(200);
    expect(real.text).toContain(draftId);
  });
});

describe('query-string decoding', () => {
  it('an ?input= written by hand, with a valid escape and a stray "%", reads the same on both', async () => {
    // What curl sends for `curl 'http://…/trpc/campaigns.get?input={"json":{"id":"cmp_%61…"},"note":"100%"}'`:
    // quotes unencoded, `%61` ("a") in the id, a lone "%" elsewhere. tRPC's adapter reads the query with
    // URLSearchParams, which decodes every valid escape and keeps the lone "%" as it is.
    const [head, tail] = [draftId.slice(0, 4), draftId.slice(5)];
    const escaped = `${head}%${draftId.charCodeAt(4).toString(16)}${tail}`;
    const { real, reference: referenceAnswer } = await exchange(
      {
        method: 'GET',
        path: `/trpc/campaigns.get?input={"json":{"id":"${escaped}"},"note":"100%"}`,
        headers: auth(),
      },
      sendRaw,
    );
    expect(referenceAnswer.status).toBe(200);
    expect(framingOf(real)).toEqual(FAST_PATH_FRAMING);
    expectSameAnswer(real, referenceAnswer);
  });
});

describe('a batch whose client goes away', () => {
  it('runs the calls in flight and starts none of the rest', async () => {
    // The fast path runs a batch four calls at a time (trpc.ts). Hold the campaign's row lock from
    // outside so that the first four block inside the server, drop the connection, then let them go:
    // those four finish, the other six never start.
    const client = server.client(token);
    const { id } = await client.campaigns.create.mutate({ name: 'Abandoned batch', segment_id: 'seg_1' });
    const BATCH = 10;
    const IN_FLIGHT = 4;
    const step = sj({ id, position: 0, template_id: 'tpl_1', template_version_id: 'tpl_1_v1' });
    const paths = Array.from({ length: BATCH }, () => 'campaigns.addStep').join(',');
    const body = JSON.stringify(
      Object.fromEntries(Array.from({ length: BATCH }, (_, index) => [index, step])),
    );

    // Two connections: inside the locker's transaction, pg_stat_activity would stay one snapshot.
    const locker = new pg.Client({ connectionString: server.databaseUrl });
    const observer = new pg.Client({ connectionString: server.databaseUrl });
    await Promise.all([locker.connect(), observer.connect()]);
    const waitingOnTheLock = async () => {
      const { rows } = await observer.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      );
      return rows[0]?.waiting ?? 0;
    };
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM campaigns WHERE id = $1 FOR UPDATE', [id]);
      const { hostname, port } = new URL(server.url);
      const abandoned = httpRequest({
        host: hostname,
        port,
        method: 'POST',
        path: `/trpc/${paths}?batch=1`,
        headers: { ...auth(), 'content-type': 'application/json' },
      });
      const closed = new Promise<void>((resolve) => abandoned.once('close', () => resolve()));
      abandoned.on('error', () => {}); // the socket is destroyed on purpose
      abandoned.end(body);
      await waitFor(
        `${IN_FLIGHT} calls to block on the row lock`,
        async () => ((await waitingOnTheLock()) === IN_FLIGHT ? true : undefined),
        5_000,
      );

      abandoned.destroy();
      await closed;
      // The server sees the connection close on loopback well within this; then the lock goes.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await locker.query('COMMIT');
      await waitFor(
        'the calls in flight to finish',
        async () => ((await waitingOnTheLock()) === 0 ? true : undefined),
        5_000,
      );
      // Time for any call wrongly started after them to add its step too.
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await Promise.all([locker.end(), observer.end()]);
    }

    const steps = await client.campaigns.listSteps.query({ id });
    expect(steps.items).toHaveLength(IN_FLIGHT);
  });
});
