import { signToken } from '@campaigns/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type OwnDatabase,
  type Spawned,
  sleep,
  startOwnDatabase,
  startServerProcess,
  waitFor,
} from '../support/processes';

// Issue 12 / docs/hardening.md, Fault model: the real server process, with its dispatcher, under write
// load on every write path, while its PostgreSQL has every backend terminated three times and is then
// stopped for 10 s and started again. The process must survive, answer only in the contract's shape,
// never hang, report itself unready during the outage, and recover alone; afterwards no acknowledged
// write is missing, no step is lost or fired twice, and every acknowledged idempotent call replays.

const JWT_SECRET = 'fault-test-secret-0123456789-0123456789';
const CAMPAIGNS = '/v1/messaging/campaigns';
/** Longest any one answer may take, outage or not (docs/hardening.md): the pool's 10 s wait, plus slack. */
const ANSWER_BOUND_MS = 12_000;
const LOOPS = 6;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  ms: number;
}

interface Acknowledged {
  method: string;
  path: string;
  key: string;
  body: unknown;
  status: number;
  response: unknown;
}

/** What the database must hold for a campaign, from the answers the loops were given. */
interface Expected {
  name: string;
  steps: Set<string>;
  lifecycle: 'draft' | 'scheduled' | 'cancelled';
}

let database: OwnDatabase;
let server: Spawned;
let url: string;
let token: string;
const problems: string[] = [];
const acknowledged: Acknowledged[] = [];
const expected = new Map<string, Expected>();
let slowest = 0;
const statuses = new Map<number, number>();

async function call(method: string, path: string, body: unknown, key?: string): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(key === undefined ? {} : { 'idempotency-key': key }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(ANSWER_BOUND_MS + 5_000),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  slowest = Math.max(slowest, ms);
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    problems.push(`${method} ${path}: ${response.status} body is not JSON: ${text.slice(0, 200)}`);
  }
  if (ms > ANSWER_BOUND_MS) problems.push(`${method} ${path}: answered after ${Math.round(ms)} ms`);
  if (response.status >= 400) {
    const shaped =
      typeof parsed.error === 'string' &&
      typeof parsed.message === 'string' &&
      typeof parsed.details === 'object';
    if (!shaped)
      problems.push(`${method} ${path}: ${response.status} not in the error shape: ${text.slice(0, 200)}`);
    if (response.status === 503 && response.headers.get('retry-after') === null) {
      problems.push(`${method} ${path}: 503 without Retry-After`);
    }
    if (/at |SELECT|INSERT|UPDATE|postgres/i.test(String(parsed.message))) {
      problems.push(`${method} ${path}: a message that leaks internals: ${String(parsed.message)}`);
    }
  }
  return { status: response.status, headers: response.headers, body: parsed, ms };
}

/**
 * One write, retried with its Idempotency-Key until it has a definitive answer: a 2xx (done, now or
 * before), or a 4xx that says it was not done. 5xx and 409 `idempotency_key_in_progress` mean "unknown
 * yet": a retry decides.
 */
async function write(
  method: string,
  path: string,
  body: unknown,
  /** Without one, the write must be safe to repeat (it is retried the same way). */
  key: string | undefined,
  /** A 412 is a definitive "not done" (the campaign may have started sending meanwhile). */
  mayRefuse = false,
): Promise<Answer> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await call(method, path, body, key);
    const retryable =
      answer.status >= 500 ||
      (answer.status === 409 &&
        (answer.body.details as Record<string, unknown> | undefined)?.reason ===
          'idempotency_key_in_progress');
    if (!retryable) {
      if (answer.status < 300) {
        // The replay test sends each acknowledged keyed call again.
        if (key !== undefined)
          acknowledged.push({ method, path, key, body, status: answer.status, response: answer.body });
      } else if (answer.status !== 400 && !(mayRefuse && answer.status === 412))
        problems.push(`${method} ${path}: unexpected ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer;
    }
    if (![500, 503, 409].includes(answer.status)) problems.push(`${method} ${path}: ${answer.status}`);
    if (Date.now() > deadline) throw new Error(`${method} ${path} never got a definitive answer`);
    await sleep(answer.status === 409 ? 500 : 200);
  }
}

/** One campaign through every write path; the model records what each 2xx promised. */
async function campaignFlow(loop: number, n: number): Promise<void> {
  const tag = `${loop}-${n}`;
  const created = await write(
    'POST',
    CAMPAIGNS,
    { name: `Fault ${tag}`, segment_id: 'seg_fault' },
    `c-${tag}`,
  );
  if (created.status !== 201) return;
  const id = String(created.body.id);
  const model: Expected = { name: `Fault ${tag}`, steps: new Set(), lifecycle: 'draft' };
  expected.set(id, model);
  const base = `${CAMPAIGNS}/${id}`;

  const renamed = await write('PATCH', base, { name: `Fault ${tag} renamed` }, `u-${tag}`);
  if (renamed.status === 200) model.name = `Fault ${tag} renamed`;
  // A change without a key takes the write lanes (the keyed ones write their record in the pool's
  // transactions); a rename is safe to repeat.
  const renamedAgain = await write('PATCH', base, { name: `Fault ${tag} renamed again` }, undefined);
  if (renamedAgain.status === 200) model.name = `Fault ${tag} renamed again`;
  const step = { template_id: 'tpl_fault', template_version_id: 'v1' };
  for (const position of [0, 1]) {
    const added = await write('POST', `${base}/steps`, { ...step, position }, `s${position}-${tag}`);
    if (added.status === 201) model.steps.add(String(added.body.id));
  }
  const [first, second] = [...model.steps];
  if (second !== undefined) {
    await write('PATCH', `${base}/steps/${second}`, { variables: { n } }, `us-${tag}`);
    const removed = await write('DELETE', `${base}/steps/${second}`, undefined, `rs-${tag}`);
    if (removed.status === 200) model.steps.delete(second);
  }
  if (first === undefined) return;
  const scheduledAt = new Date(Date.now() + 3_000).toISOString();
  const scheduled = await write('POST', `${base}/schedule`, { scheduled_at: scheduledAt }, `sch-${tag}`);
  if (scheduled.status !== 200) return;
  model.lifecycle = 'scheduled';
  if (n % 3 === 1) {
    // The campaign may be sending already: then these are refused (412), and it stays scheduled.
    const back = await write('POST', `${base}/unschedule`, undefined, `un-${tag}`, true);
    if (back.status === 200) {
      model.lifecycle = 'draft';
      const again = await write('POST', `${base}/schedule`, { scheduled_at: scheduledAt }, `sch2-${tag}`);
      if (again.status === 200) model.lifecycle = 'scheduled';
    }
  }
  if (n % 4 === 0) {
    // A cancel may meet a campaign already sent: 412 then means it was not cancelled.
    const cancelled = await write('POST', `${base}/cancel`, undefined, `can-${tag}`, true);
    if (cancelled.status === 200) model.lifecycle = 'cancelled';
  }
}

async function terminateBackends(): Promise<void> {
  const admin = new pg.Client({ connectionString: database.url });
  admin.on('error', () => {});
  await admin.connect();
  try {
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    );
  } finally {
    await admin.end();
  }
}

const outage = { readyzDuring: [] as number[], healthzMs: [] as number[], answersDuring: [] as Answer[] };

beforeAll(async () => {
  database = await startOwnDatabase();
  token = await signToken(JWT_SECRET, { brandId: 'brand_fault', sub: 'user_fault' });
  ({ url, server } = await startServerProcess({
    DATABASE_URL: database.url,
    JWT_SECRET,
    DISPATCHER: 'on',
    DISPATCH_POLL_INTERVAL: '100ms',
    RATE_LIMIT_PER_MINUTE: 'off',
    IDEMPOTENCY_LEASE: '2s',
  }));

  let loading = true;
  const loops = Array.from({ length: LOOPS }, async (_, loop) => {
    for (let n = 0; loading; n++) await campaignFlow(loop, n);
  });
  const faults = (async () => {
    await sleep(1_500);
    for (let round = 0; round < 3; round++) {
      await terminateBackends();
      await sleep(700);
    }
    await database.stop();
    const stoppedAt = Date.now();
    while (Date.now() - stoppedAt < 10_000) {
      const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
      outage.readyzDuring.push(ready.status);
      const started = performance.now();
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      outage.healthzMs.push(performance.now() - started);
      outage.answersDuring.push(await call('GET', CAMPAIGNS, undefined, 'read'));
      await sleep(500);
    }
    await database.start();
    await waitFor(
      '/readyz after the restart',
      async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined),
      20_000,
    );
    await sleep(3_000);
    loading = false;
  })();
  await Promise.all([faults, ...loops]);
}, 180_000);

afterAll(async () => {
  await server?.kill();
  await database?.destroy();
});

describe('database faults under load (issue 12)', () => {
  it('the process never exits, and logs no unhandled error', () => {
    expect(server.alive(), server.output().slice(-3000)).toBe(true);
    expect(server.output()).not.toMatch(/Unhandled|uncaught|ERR_UNHANDLED/i);
  });

  it('every answer was in the contract (2xx, or an error body; 503 with Retry-After), within the bound', () => {
    expect(problems).toEqual([]);
    expect(slowest).toBeLessThan(ANSWER_BOUND_MS);
    // The faults were felt: some calls were refused while the database was away.
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(acknowledged.length).toBeGreaterThan(50);
  });

  it('during the outage: /readyz is 503, /healthz answers at once, API calls are 503 unavailable', () => {
    expect(outage.readyzDuring.length).toBeGreaterThan(3);
    expect(outage.readyzDuring.every((status) => status === 503)).toBe(true);
    expect(Math.max(...outage.healthzMs)).toBeLessThan(500);
    for (const answer of outage.answersDuring) {
      expect(answer.status).toBe(503);
      expect(answer.body.error).toBe('unavailable');
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
    }
  });

  it('afterwards no acknowledged write is missing', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      for (const [id, model] of expected) {
        const { rows } = await client.query<{ name: string; status: string }>(
          'SELECT name, status::text AS status FROM campaigns WHERE id = $1',
          [id],
        );
        expect(rows[0]?.name, id).toBe(model.name);
        const steps = await client.query<{ id: string; position: number }>(
          'SELECT id, position FROM campaign_steps WHERE campaign_id = $1 ORDER BY position',
          [id],
        );
        expect(new Set(steps.rows.map((row) => row.id)), id).toEqual(model.steps);
        expect(steps.rows.map((row) => row.position)).toEqual(steps.rows.map((_, index) => index));
        if (model.lifecycle === 'draft') expect(rows[0]?.status, id).toBe('draft');
        if (model.lifecycle === 'cancelled') expect(rows[0]?.status, id).toBe('cancelled');
      }
    } finally {
      await client.end();
    }
  });

  it('every scheduled campaign is sent, each step fired exactly once', async () => {
    const scheduled = [...expected].filter(([, model]) => model.lifecycle === 'scheduled').map(([id]) => id);
    expect(scheduled.length).toBeGreaterThan(5);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await waitFor(
        'every scheduled campaign to be sent',
        async () => {
          const { rows } = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM campaigns WHERE id = ANY($1) AND status <> 'sent'`,
            [scheduled],
          );
          return rows[0]?.n === 0 ? true : undefined;
        },
        30_000,
      );
      const { rows } = await client.query<{ steps: number; deliveries: number; distinct_steps: number }>(
        `SELECT (SELECT count(*)::int FROM campaign_steps WHERE campaign_id = ANY($1)) AS steps,
                (SELECT count(*)::int FROM deliveries WHERE campaign_id = ANY($1)) AS deliveries,
                (SELECT count(DISTINCT step_id)::int FROM deliveries WHERE campaign_id = ANY($1)) AS distinct_steps`,
        [scheduled],
      );
      expect(rows[0]?.deliveries).toBe(rows[0]?.steps);
      expect(rows[0]?.distinct_steps).toBe(rows[0]?.steps);
    } finally {
      await client.end();
    }
  }, 40_000);

  it('every acknowledged call, sent again with its Idempotency-Key, replays its first answer', async () => {
    for (const done of acknowledged) {
      const again = await call(done.method, done.path, done.body, done.key);
      expect(again.status, `${done.method} ${done.path}`).toBe(done.status);
      expect(again.body, `${done.method} ${done.path}`).toEqual(done.response);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    }
  }, 60_000);
});
