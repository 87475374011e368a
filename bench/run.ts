/**
 * `pnpm bench`: the service's HTTP stack side by side with the floor (bench/floor/server.ts: bare Fastify
 * and raw pg, each change one round trip), on a real PostgreSQL over loopback. Not a test: prints a
 * table, writes bench/results/latest.json.
 *
 * The service (apps/server/src/main.ts, as `pnpm start` runs it, DISPATCHER=off, LOG_LEVEL=warn; the rate
 * limiter off, and on in a second instance: surface `rest-limited`) and the floor each run in their own
 * process; autocannon runs here, in a third. For each operation (schedule, addStep, get, list, update) and
 * access pattern (spread: round-robin over 1,000+ campaigns; contended: random over 200) the surfaces run
 * one after the other — floor, REST, tRPC, tRPC batched, … — and that sequence is repeated BENCH_ROUNDS
 * times, its order rotated from round to round, so drift of a shared machine hits every surface alike.
 * Ratios are taken against the floor of the same round.
 *
 *   BENCH_DATABASE_URL   admin URL of a PostgreSQL to use; default: an embedded one in a temp dir
 *   BENCH_FSYNC          on|off (embedded only), default on (PostgreSQL's default)
 *   BENCH_DURATION       measured seconds per run, default 5     BENCH_WARMUP   seconds, default 1
 *   BENCH_ROUNDS         default 3                               BENCH_CONNECTIONS  default 50
 *   BENCH_ACCESS         e.g. "spread" (default "spread,contended")
 *   BENCH_BATCH          calls per batched tRPC request, default 10 (on BENCH_CONNECTIONS / BENCH_BATCH
 *                        connections: the same number of calls in flight as the other surfaces)
 *   BENCH_OPS            e.g. "schedule,addStep" (default all)   BENCH_SURFACES  e.g. "floor,rest,trpc"
 *   BENCH_CPU_PROF       a directory: both servers run with --cpu-prof and write their profiles there
 *   BENCH_TRACE_GC       1: the servers count their GC pauses (bench/gc-counter.ts); each window reports them per call
 *   BENCH_POOL_MAX       the service's and the floor's pool size (default: the service's default)
 *   BENCH_READ_LANES     the service's DATABASE_READ_LANES (default: the service's default)
 *   BENCH_WRITE_LANES    the service's DATABASE_WRITE_LANES (default: the service's default)
 *   BENCH_BEFORE         another checkout (installed): its service runs as surfaces `rest-before`, `trpc-before`
 *   Surfaces trpc-adapter and trpc-batch-adapter are tRPC through tRPC's own adapter (TRPC_FAST_PATH=off);
 *   not run unless named in BENCH_SURFACES.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import type pg from 'pg';
import {
  type BenchDatabase,
  connect,
  cpuSample,
  envInt,
  gcTotals,
  gitCommit,
  machine,
  openBenchDatabase,
  processCpuUs,
  repoRoot,
  type ServerProcess,
  serviceNodeOptions,
  spawnServer,
} from './lib';

const DURATION = envInt('BENCH_DURATION', 5);
const WARMUP = envInt('BENCH_WARMUP', 1, 0);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 50);
const BATCH = envInt('BENCH_BATCH', 10);
const FSYNC = (process.env.BENCH_FSYNC ?? 'on') === 'on';
const CPU_PROF = process.env.BENCH_CPU_PROF;
const TRACE_GC = process.env.BENCH_TRACE_GC === '1';
const GC_COUNTER = fileURLToPath(new URL('./gc-counter.ts', import.meta.url));
const POOL_MAX = process.env.BENCH_POOL_MAX;
const READ_LANES = process.env.BENCH_READ_LANES;
const WRITE_LANES = process.env.BENCH_WRITE_LANES;
const BEFORE = process.env.BENCH_BEFORE;
const SPREAD_POOL = 1200;
const CONTENDED_POOL = 200;
const SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const BRAND = 'brand_bench';
const resultsFile = fileURLToPath(new URL('./results/latest.json', import.meta.url));

const OPS = ['schedule', 'addStep', 'get', 'list', 'update'] as const;
type Op = (typeof OPS)[number];
const SURFACES = [
  'floor',
  'rest',
  'trpc',
  'trpc-batch',
  'trpc-adapter',
  'trpc-batch-adapter',
  'rest-limited',
  'rest-before',
  'trpc-before',
] as const;
/** Whether a surface sends tRPC batches (of BENCH_BATCH calls). */
const batched = (surface: Surface) => surface === 'trpc-batch' || surface === 'trpc-batch-adapter';
type Surface = (typeof SURFACES)[number];
const ACCESS = ['spread', 'contended'] as const;
type Access = (typeof ACCESS)[number];

const pick = <T extends string>(env: string | undefined, all: readonly T[]): T[] =>
  env ? all.filter((item) => env.split(',').includes(item)) : [...all];
const ops = pick(process.env.BENCH_OPS, OPS);
const surfaces = process.env.BENCH_SURFACES
  ? pick(process.env.BENCH_SURFACES, SURFACES)
  : SURFACES.filter(
      (surface) => !surface.endsWith('-adapter') && (!surface.endsWith('-before') || BEFORE !== undefined),
    );
const accesses = pick(process.env.BENCH_ACCESS, ACCESS);

interface Request {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: string;
}

/** One call of `op` on campaign `id`: its REST route and tRPC input. */
function call(
  op: Op,
  id: string,
  n: number,
): { rest: Request; procedure: string; input: Record<string, unknown> } {
  const base = `/v1/messaging/campaigns/${id}`;
  switch (op) {
    case 'list':
      return {
        rest: { method: 'GET', path: '/v1/messaging/campaigns?limit=20' },
        procedure: 'campaigns.list',
        input: { limit: 20 },
      };
    case 'update': {
      const body = { name: `bench ${n % 100_000}` };
      return {
        rest: { method: 'PATCH', path: base, body: JSON.stringify(body) },
        procedure: 'campaigns.update',
        input: { id, ...body },
      };
    }
    case 'schedule': {
      // Different instants, all in the future: every call is a real reschedule.
      const body = { scheduled_at: new Date(Date.UTC(2099, 0, 1) + (n % 100_000) * 60_000).toISOString() };
      return {
        rest: { method: 'POST', path: `${base}/schedule`, body: JSON.stringify(body) },
        procedure: 'campaigns.schedule',
        input: { id, ...body },
      };
    }
    case 'addStep': {
      const body = { position: 0, template_id: 'tpl_bench', template_version_id: 'tplv_1', delay_minutes: 5 };
      return {
        rest: { method: 'POST', path: `${base}/steps`, body: JSON.stringify(body) },
        procedure: 'campaigns.addStep',
        input: { id, ...body },
      };
    }
    case 'get':
      return { rest: { method: 'GET', path: base }, procedure: 'campaigns.get', input: { id } };
  }
}

/** What @trpc/client's httpLink / httpBatchLink send (superjson: plain JSON values serialize to {json}). */
function trpcRequest(
  op: Op,
  calls: { procedure: string; input: Record<string, unknown> }[],
  batched: boolean,
): Request {
  const isQuery = op === 'get' || op === 'list';
  const paths = calls.map((c) => c.procedure).join(',');
  const payload = batched
    ? Object.fromEntries(calls.map((c, i) => [String(i), { json: c.input }]))
    : { json: calls[0]?.input };
  const query = batched ? '?batch=1' : '';
  if (isQuery) {
    const sep = batched ? '&' : '?';
    return {
      method: 'GET',
      path: `/trpc/${paths}${query}${sep}input=${encodeURIComponent(JSON.stringify(payload))}`,
    };
  }
  return { method: 'POST', path: `/trpc/${paths}${query}`, body: JSON.stringify(payload) };
}

interface RunResult {
  op: Op;
  access: Access;
  surface: Surface;
  round: number;
  /** Calls per second (HTTP requests × calls per request). */
  calls_per_s: number;
  http_req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
  /** CPU of the surface's server process per call (µs, /proc: not the profiler's wall-clock samples). */
  server_cpu_us_per_call: number;
  /** CPU of all PostgreSQL processes per call (µs). */
  postgres_cpu_us_per_call: number;
  /** With BENCH_TRACE_GC: the server's young- and full-collection pauses per call (µs, bench/gc-counter.ts). */
  gc_young_us_per_call?: number;
  gc_full_us_per_call?: number;
  /** The window's longest GC pause and longest event-loop stall (bench/gc-counter.ts). */
  gc_max_pause_ms?: number;
  loop_stall_max_ms?: number;
}

async function load(
  port: number,
  op: Op,
  surface: Surface,
  access: Access,
  pool: string[],
  token: string,
  seconds: number,
): Promise<autocannon.Result> {
  let n = 0;
  let firstFailure: string | undefined;
  const callsPerRequest = batched(surface) ? BATCH : 1;
  const next = (): Request => {
    const calls = Array.from({ length: callsPerRequest }, () => {
      n += 1;
      const index = access === 'spread' ? n % pool.length : Math.floor(Math.random() * pool.length);
      return call(op, pool[index] as string, n);
    });
    if (!surface.startsWith('trpc')) return (calls[0] as (typeof calls)[number]).rest;
    return trpcRequest(op, calls, batched(surface));
  };
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    // A batched request carries BATCH calls: as many calls in flight as the other surfaces.
    connections: batched(surface) ? Math.max(1, Math.round(CONNECTIONS / BATCH)) : CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          const r = next();
          return {
            ...request,
            method: r.method,
            path: r.path,
            ...(r.body !== undefined ? { body: r.body } : {}),
          };
        },
        onResponse: (status, body) => {
          if ((status < 200 || status >= 300) && firstFailure === undefined)
            firstFailure = `${status} ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  const result = await instance;
  if (firstFailure !== undefined) log(`  first failure (${op} on ${surface}): ${firstFailure}`);
  return result;
}

type Pools = Record<Op, Record<Access, string[]>>;

async function seed(db: pg.Client): Promise<{ pools: Pools; addStepPool: string[] }> {
  // Plausible ids (cmp_ + 32 hex), as the service issues them.
  const insert = async (kind: string, count: number) =>
    (
      await db.query<{ id: string }>(
        `INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, status, created_by, created_at, updated_at)
         SELECT 'cmp_' || md5($1 || g), $2, 'bench ' || g, 'bench ' || g, 'seg_bench', 'draft', 'user_bench',
                now() - g * interval '1 second', now() - g * interval '1 second'
           FROM generate_series(1, $3) AS g
         RETURNING id`,
        [kind, BRAND, count],
      )
    ).rows.map((r) => r.id);
  const withStep = await insert('schedule', SPREAD_POOL);
  await db.query(
    `INSERT INTO campaign_steps (id, campaign_id, position, template_id, template_version_id)
     SELECT 'stp_' || md5(id), id, 0, 'tpl_bench', 'tplv_1' FROM unnest($1::text[]) AS id`,
    [withStep],
  );
  const addStepPool = await insert('addstep', SPREAD_POOL);
  const drafts = await insert('update', SPREAD_POOL);
  const both = (ids: string[]) => ({ spread: ids, contended: ids.slice(0, CONTENDED_POOL) });
  return {
    pools: {
      schedule: both(withStep),
      get: both(withStep),
      addStep: both(addStepPool),
      update: both(drafts),
      list: both(['-']),
    },
    addStepPool,
  };
}

/** Statements the database executed for one call of each op on each surface (embedded only). */
async function countStatements(
  database: BenchDatabase,
  ports: Partial<Record<Surface, number>>,
  pools: Pools,
  token: string,
): Promise<Record<string, number>> {
  const logFile = database.logFile;
  if (!logFile) return {};
  await database.admin.query(`ALTER SYSTEM SET log_statement = 'all'`);
  await database.admin.query('SELECT pg_reload_conf()');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const counts: Record<string, number> = {};
  try {
    for (const op of ops) {
      for (const surface of ['floor', 'rest', 'trpc'] as const) {
        const port = ports[surface];
        if (port === undefined) continue;
        const c = call(op, pools[op].spread[1] as string, 1);
        const r = surface === 'trpc' ? trpcRequest(op, [c], false) : c.rest;
        const before = (await stat(logFile)).size;
        const response = await fetch(`http://127.0.0.1:${port}${r.path}`, {
          method: r.method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(r.body !== undefined ? { body: r.body } : {}),
        });
        if (response.status >= 300)
          throw new Error(`${op} on ${surface}: ${response.status} ${await response.text()}`);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const added = (await readFile(logFile, 'utf8')).slice(before);
        counts[`${op}/${surface}`] = added
          .split('\n')
          .filter((line) => /LOG: {2}(statement|execute)/.test(line)).length;
      }
    }
  } finally {
    await database.admin.query('ALTER SYSTEM RESET log_statement');
    await database.admin.query('SELECT pg_reload_conf()');
  }
  return counts;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const geomean = (xs: number[]) => Math.exp(xs.reduce((sum, x) => sum + Math.log(x), 0) / xs.length);

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Waits until the servers have finished what the last run left in flight (no other busy session). */
async function quiesce(db: pg.Client): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const { rows } = await db.query<{ busy: number }>(
      `SELECT count(*)::int AS busy FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
    );
    if (rows[0]?.busy === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  log('  (the servers were still busy after 60 s; going on)');
}

const database = await openBenchDatabase('bench_http', { fsync: FSYNC });
const servers: ServerProcess[] = [];
try {
  // Seeded through a connection to the bench database (the admin connection is on another one).
  const db = await connect(database.url);
  const { pools, addStepPool } = await seed(db);

  const profArgs = (name: string) =>
    // One directory per server: tsx's loader thread writes a (nearly idle) profile of its own.
    CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.join(path.resolve(CPU_PROF), name)}`] : [];
  const serviceEnv = (rateLimit: string) => ({
    NODE_ENV: 'production',
    DATABASE_URL: database.url,
    JWT_SECRET: SECRET,
    DISPATCHER: 'off',
    RATE_LIMIT_PER_MINUTE: rateLimit,
    LOG_LEVEL: 'warn',
    ...(POOL_MAX ? { DATABASE_POOL_MAX: POOL_MAX } : {}),
    ...(READ_LANES ? { DATABASE_READ_LANES: READ_LANES } : {}),
    ...(WRITE_LANES ? { DATABASE_WRITE_LANES: WRITE_LANES } : {}),
  });
  const ports: Partial<Record<Surface, number>> = {};
  const pids = new Map<number, number>(); // port → server pid
  const gcFiles = new Map<number, string>(); // port → where its GC totals are written (BENCH_TRACE_GC)
  const nodeOptions = serviceNodeOptions(repoRoot);
  log(`node options of the service and the floor (as pnpm start): ${JSON.stringify(nodeOptions)}`);
  const start = async (
    name: string,
    entry: string,
    env: Record<string, string>,
    readyPath: string,
    options: string[] = nodeOptions,
  ) => {
    const gcFile = TRACE_GC ? path.join(os.tmpdir(), `bench-gc-${name}-${process.pid}.json`) : undefined;
    const server = await spawnServer(name, entry, gcFile ? { ...env, BENCH_GC_FILE: gcFile } : env, {
      readyPath,
      nodeArgs: [...options, ...profArgs(name)],
      ...(gcFile ? { preload: GC_COUNTER } : {}),
    });
    servers.push(server);
    if (server.child.pid !== undefined) pids.set(server.port, server.child.pid);
    if (gcFile) gcFiles.set(server.port, gcFile);
    return server.port;
  };
  const needs = (...names: Surface[]) => names.some((name) => surfaces.includes(name));
  if (needs('rest', 'trpc', 'trpc-batch')) {
    const port = await start('service', 'apps/server/src/main.ts', serviceEnv('off'), '/healthz');
    ports.rest = port;
    ports.trpc = port;
    ports['trpc-batch'] = port;
  }
  if (needs('trpc-adapter', 'trpc-batch-adapter')) {
    // TRPC_FAST_PATH=off: every call through tRPC's own Fastify adapter (the fast path's keep/drop).
    const port = await start(
      'service-adapter',
      'apps/server/src/main.ts',
      { ...serviceEnv('off'), TRPC_FAST_PATH: 'off' },
      '/healthz',
    );
    ports['trpc-adapter'] = port;
    ports['trpc-batch-adapter'] = port;
  }
  if (needs('rest-limited')) {
    // The limiter on, at a limit the load never reaches: its cost, never a 429.
    ports['rest-limited'] = await start(
      'service-limited',
      'apps/server/src/main.ts',
      serviceEnv('1000000'),
      '/healthz',
    );
  }
  if (needs('rest-before', 'trpc-before') && BEFORE) {
    const entry = path.join(path.resolve(BEFORE), 'apps/server/src/main.ts');
    const port = await start(
      'service-before',
      entry,
      serviceEnv('off'),
      '/healthz',
      serviceNodeOptions(path.resolve(BEFORE)),
    );
    ports['rest-before'] = port;
    ports['trpc-before'] = port;
  }
  const floorEnv = { DATABASE_URL: database.url, JWT_SECRET: SECRET, ...(POOL_MAX ? { POOL_MAX } : {}) };
  if (needs('floor'))
    ports.floor = await start('floor', 'bench/floor/server.ts', floorEnv, '/v1/messaging/campaigns/x');

  const token = await new SignJWT({
    brand_id: BRAND,
    scope: 'messaging:campaigns:read messaging:campaigns:write',
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('user_bench')
    .setIssuedAt()
    .setExpirationTime('12h')
    .sign(new TextEncoder().encode(SECRET));

  const statements = await countStatements(database, ports, pools, token);
  if (Object.keys(statements).length) log(`statements per call: ${JSON.stringify(statements)}`);

  const resetSteps = async () => {
    // Never near the 100-step limit, and every window starts from the same table. The campaigns are
    // locked first, in id order, as the service locks them: no deadlock with a straggler.
    await db.query('BEGIN');
    await db.query('SELECT id FROM campaigns WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [
      addStepPool,
    ]);
    await db.query('DELETE FROM campaign_steps WHERE campaign_id = ANY($1::text[])', [addStepPool]);
    await db.query('COMMIT');
  };

  const runs: RunResult[] = [];
  const started = Date.now();
  for (const op of ops) {
    for (const access of accesses) {
      for (let round = 1; round <= ROUNDS; round++) {
        const shift = (round - 1) % surfaces.length;
        for (const surface of [...surfaces.slice(shift), ...surfaces.slice(0, shift)]) {
          const port = ports[surface]!;
          const pool = pools[op][access];
          await quiesce(db);
          if (op === 'addStep') await resetSteps();
          await db.query('VACUUM ANALYZE campaigns, campaign_steps');
          if (WARMUP > 0) await load(port, op, surface, access, pool, token, WARMUP);
          if (op === 'addStep') {
            await quiesce(db);
            await resetSteps();
          }
          const pid = pids.get(port);
          const cpuBefore = {
            server: pid ? await processCpuUs(pid) : 0,
            postgres: (await cpuSample()).postgres,
          };
          const gcFile = gcFiles.get(port);
          const gcBefore = gcFile && pid ? await gcTotals(pid, gcFile) : undefined;
          const result = await load(port, op, surface, access, pool, token, DURATION);
          const gcAfter = gcFile && pid ? await gcTotals(pid, gcFile) : undefined;
          const gc =
            gcBefore && gcAfter
              ? {
                  youngMs: gcAfter.youngMs - gcBefore.youngMs,
                  fullMs: gcAfter.fullMs - gcBefore.fullMs,
                  maxPauseMs: gcAfter.maxPauseMs,
                  loopDelayMaxMs: gcAfter.loopDelayMaxMs,
                }
              : undefined;
          const cpuAfter = {
            server: pid ? await processCpuUs(pid) : 0,
            postgres: (await cpuSample()).postgres,
          };
          const perRequest = batched(surface) ? BATCH : 1;
          const calls = Math.max(1, result.requests.total * perRequest);
          const run: RunResult = {
            op,
            access,
            surface,
            round,
            calls_per_s: Math.round(result.requests.average * perRequest),
            http_req_per_s: Math.round(result.requests.average),
            p50_ms: result.latency.p50,
            p99_ms: result.latency.p99,
            non_2xx: result.non2xx,
            errors: result.errors + result.timeouts,
            server_cpu_us_per_call: Math.round((cpuAfter.server - cpuBefore.server) / calls),
            // /proc ticks are 10 ms: PostgreSQL's own figure, in µs.
            postgres_cpu_us_per_call: Math.round(((cpuAfter.postgres - cpuBefore.postgres) * 10_000) / calls),
            ...(gc
              ? {
                  gc_young_us_per_call: round1((gc.youngMs * 1000) / calls),
                  gc_full_us_per_call: round1((gc.fullMs * 1000) / calls),
                  gc_max_pause_ms: round1(gc.maxPauseMs),
                  loop_stall_max_ms: round1(gc.loopDelayMaxMs),
                }
              : {}),
          };
          runs.push(run);
          log(
            `${op.padEnd(8)} ${access.padEnd(9)} ${surface.padEnd(12)} round ${round}: ${run.calls_per_s} calls/s, p50 ${run.p50_ms} ms, p99 ${run.p99_ms} ms, CPU/call server ${run.server_cpu_us_per_call} µs, postgres ${run.postgres_cpu_us_per_call} µs` +
              (run.gc_young_us_per_call !== undefined
                ? `, GC young ${run.gc_young_us_per_call} µs, full ${run.gc_full_us_per_call} µs, longest pause ${run.gc_max_pause_ms} ms, loop stall ${run.loop_stall_max_ms} ms`
                : '') +
              (run.non_2xx || run.errors ? `  !! non-2xx ${run.non_2xx}, errors ${run.errors}` : ''),
          );
        }
      }
    }
  }
  await db.end();

  const summary = ops.flatMap((op) =>
    accesses.flatMap((access) =>
      surfaces.map((surface) => {
        const mine = runs.filter((r) => r.op === op && r.access === access && r.surface === surface);
        const ratios = mine.map((r) => {
          const base = runs.find(
            (b) => b.op === op && b.access === access && b.surface === 'floor' && b.round === r.round,
          );
          return base
            ? { throughput: r.calls_per_s / base.calls_per_s, p99: r.p99_ms / base.p99_ms }
            : { throughput: Number.NaN, p99: Number.NaN };
        });
        return {
          op,
          access,
          surface,
          calls_per_s: Math.round(median(mine.map((r) => r.calls_per_s))),
          p50_ms: round1(median(mine.map((r) => r.p50_ms))),
          p99_ms: round1(median(mine.map((r) => r.p99_ms))),
          throughput_vs_floor: Number(geomean(ratios.map((r) => r.throughput)).toFixed(2)),
          p99_vs_floor: Number(geomean(ratios.map((r) => r.p99)).toFixed(2)),
          server_us: Math.round(median(mine.map((r) => r.server_cpu_us_per_call))),
          postgres_us: Math.round(median(mine.map((r) => r.postgres_cpu_us_per_call))),
          ...(TRACE_GC
            ? {
                gc_young_us: round1(median(mine.map((r) => r.gc_young_us_per_call ?? Number.NaN))),
                gc_full_us: round1(median(mine.map((r) => r.gc_full_us_per_call ?? Number.NaN))),
              }
            : {}),
          non_2xx: mine.reduce((sum, r) => sum + r.non_2xx, 0),
          errors: mine.reduce((sum, r) => sum + r.errors, 0),
        };
      }),
    ),
  );
  console.table(summary);

  const report = {
    benchmark: 'http',
    at: new Date().toISOString(),
    commit: gitCommit(),
    machine: machine(),
    settings: {
      duration_s: DURATION,
      warmup_s: WARMUP,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      batch: BATCH,
      fsync: FSYNC,
      embedded_postgres: database.logFile !== undefined,
      pool_max: POOL_MAX ?? 'default',
      node_options: nodeOptions,
      wall_s: Math.round((Date.now() - started) / 1000),
    },
    notes: [
      'calls_per_s: calls answered per second; for trpc-batch, HTTP requests/s × batch size.',
      'p50/p99: per HTTP request (a trpc-batch request carries `batch` calls).',
      'ratios: per round against the same round’s floor, geometric mean over rounds.',
      'spread: round-robin over 1,200 campaigns; contended: uniformly random over 200.',
      'server_us / postgres_us: CPU per call of the surface’s server process / of all PostgreSQL processes (/proc), median of rounds.',
    ],
    statements_per_call: statements,
    summary,
    runs,
  };
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(report, null, 2)}\n`);
  log(`written to ${path.relative(repoRoot, resultsFile)}`);
} finally {
  for (const server of servers) await server.stop();
  await database.close();
}
