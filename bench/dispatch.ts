/**
 * `pnpm bench:dispatch`: steps fired per second by real `pnpm worker` processes, side by side with the
 * peer, graphile-worker (bench/peer/graphile-worker.ts), on the same PostgreSQL in the same run. Not a
 * test: prints tables and writes bench/results/dispatch-latest.json.
 *
 * Burst: a fresh database per run, N processes started and idle, then BENCH_CAMPAIGNS campaigns of
 * BENCH_STEPS zero-delay steps made due (ours: one commit; the peer: one addJobs call, one job per
 * campaign); the clock runs from that commit to the last `sent_at`. Both do the same durable work per
 * campaign: its deliveries, the campaign moved to sent, its audit events, the sender's outbox rows. Runs
 * alternate (ours ×1, ours ×2, peer ×1, peer ×2, rotated each round), so drift hits every contender alike.
 * During each run the database's CPU and its sessions' wait events are sampled: when the database is the
 * limit, a second worker cannot help, and these figures show it.
 *
 * Steady: BENCH_STEADY_RATE steps/s for BENCH_STEADY_SECONDS, each campaign due at its own instant, our
 * workers running as shipped (default poll interval): fire delay (fired_at − due_at) p50/p99.
 *
 * Scale: 10,000 campaigns due at once among 1,000 and among BENCH_SCALE_ROWS (default 1,000,000) others
 * scheduled for later: one worker's steps/s and the plans of its two hot statements (the idle probe and
 * the claim), at both sizes.
 *
 *   BENCH_DATABASE_URL  a PostgreSQL server to use (admin URL); default: an embedded one, fsync on
 *   BENCH_CAMPAIGNS     default 2000        BENCH_STEPS        default 5
 *   BENCH_WORKERS       default "1,2"       BENCH_CONCURRENCY  per process, default 4 (DISPATCH_CONCURRENCY)
 *   BENCH_ROUNDS        default 2           BENCH_PEER         on|off, default on
 *   BENCH_STEADY_RATE   default 200         BENCH_STEADY_SECONDS  default 20 (0: skip)
 *   BENCH_BEFORE        another checkout (installed) whose worker runs as a third contender, `before`
 *   BENCH_SCALE_ROWS    default 1000000 (0: skip the scale phase)   BENCH_SCALE_DUE  default 10000
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations } from '@campaigns/db';
import { makeWorkerUtils, runMigrations } from 'graphile-worker';
import type pg from 'pg';
import {
  type BackgroundProcess,
  connect,
  cpuSample,
  envInt,
  gitCommit,
  machine,
  openBenchDatabase,
  spawnProcess,
  withDatabase,
} from './lib';

const CAMPAIGNS = envInt('BENCH_CAMPAIGNS', 2000);
const STEPS = envInt('BENCH_STEPS', 5);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 4);
const ROUNDS = envInt('BENCH_ROUNDS', 2);
const STEADY_RATE = envInt('BENCH_STEADY_RATE', 200);
const STEADY_SECONDS = envInt('BENCH_STEADY_SECONDS', 20, 0);
const PEER = (process.env.BENCH_PEER ?? 'on') === 'on';
const SCALE_ROWS = envInt('BENCH_SCALE_ROWS', 1_000_000, 0);
const SCALE_DUE = envInt('BENCH_SCALE_DUE', 10_000);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const resultsFile = fileURLToPath(new URL('./results/dispatch-latest.json', import.meta.url));

type Contender = 'ours' | 'before' | 'graphile-worker';

interface Run {
  contender: Contender;
  processes: number;
  round: number;
  seconds: number;
  steps_per_second: number;
  /** Cores PostgreSQL's processes used on average during the run (of the machine's). */
  postgres_cores: number;
  machine_busy_pct: number;
  /** Sampled active sessions: share waiting on each wait event type ('CPU': not waiting). */
  waits: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Campaigns of zero-delay steps, scheduled; each due at dueAt(i) (i from 0). One transaction. */
async function seedCampaigns(db: pg.Client, count: number, dueAt: (i: number) => string): Promise<string[]> {
  const dues = Array.from({ length: count }, (_, i) => dueAt(i));
  await db.query('BEGIN');
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, status, scheduled_at, published_at, created_by, next_due_at)
     SELECT 'cmp_' || md5('bench/c' || g), 'brand_bench', 'bench ' || g, 'bench ' || g, 'seg_bench', 'scheduled',
            d::timestamptz, d::timestamptz, 'bench', d::timestamptz
       FROM unnest($1::text[]) WITH ORDINALITY AS u(d, g)
     RETURNING id`,
    [dues],
  );
  await db.query(
    `INSERT INTO campaign_steps (id, campaign_id, position, template_id, template_version_id)
     SELECT 'stp_' || md5(c || '/' || p), c, p, 'tpl_bench', 'tplv_1'
       FROM unnest($1::text[]) AS c, generate_series(0, $2 - 1) AS p`,
    [rows.map((r) => r.id), STEPS],
  );
  await db.query('COMMIT');
  return rows.map((r) => r.id);
}

const BEFORE = process.env.BENCH_BEFORE;
const ourWorker = (url: string, env: Record<string, string> = {}, checkout?: string) =>
  spawnProcess(
    'src/worker.ts',
    {
      DATABASE_URL: url,
      DISPATCH_CONCURRENCY: String(CONCURRENCY),
      LOG_LEVEL: 'info',
      ...env,
    },
    checkout
      ? path.resolve(checkout, 'apps/server')
      : fileURLToPath(new URL('../apps/server/', import.meta.url)),
  );

/**
 * `work` against a fresh migrated database on the admin server: its URL, a connection, and a list the
 * work adds its processes to. Afterwards the processes are stopped and the database dropped.
 */
async function inFreshDatabase<T>(
  adminUrl: string,
  prefix: string,
  work: (run: { url: string; db: pg.Client; workers: BackgroundProcess[] }) => Promise<T>,
): Promise<T> {
  const admin = await connect(adminUrl);
  const name = `${prefix}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  await applyMigrations(url);
  const db = await connect(url);
  const workers: BackgroundProcess[] = [];
  try {
    return await work({ url, db, workers });
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function burst(adminUrl: string, contender: Contender, processes: number, round: number): Promise<Run> {
  return inFreshDatabase(adminUrl, 'bench_dispatch', async ({ url, db, workers }) => {
    if (contender === 'graphile-worker') await runMigrations({ connectionString: url });
    for (let i = 0; i < processes; i++) {
      workers.push(
        contender === 'ours' || contender === 'before'
          ? ourWorker(url, {}, contender === 'before' ? BEFORE : undefined)
          : spawnProcess('bench/peer/graphile-worker.ts', {
              DATABASE_URL: url,
              CONCURRENCY: String(CONCURRENCY),
            }),
      );
    }
    await Promise.all(
      workers.map((w) => w.waitFor(contender === 'graphile-worker' ? 'ready' : 'dispatcher started')),
    );
    await sleep(500); // past the first idle tick, pools warm

    let started: number;
    if (contender !== 'graphile-worker') {
      const due = new Date(Date.now() - 1_000).toISOString();
      await seedCampaigns(db, CAMPAIGNS, () => due);
      started = Date.now();
    } else {
      // Not due for ours (no dispatcher runs here anyway): the peer's jobs make them due.
      const ids = await seedCampaigns(db, CAMPAIGNS, () => '2099-01-01T00:00:00Z');
      const utils = await makeWorkerUtils({ connectionString: url });
      await utils.addJobs(ids.map((id) => ({ identifier: 'fire', payload: { id } })));
      started = Date.now();
      await utils.release();
    }

    const cpuBefore = await cpuSample();
    const waits: Record<string, number> = {};
    for (;;) {
      const { rows } = await db.query<{ left: number; wait: string | null; n: number }>(
        `SELECT (SELECT count(*)::int FROM campaigns WHERE status <> 'sent') AS left, w.wait, w.n
           FROM (SELECT COALESCE(wait_event_type, 'CPU') AS wait, count(*)::int AS n FROM pg_stat_activity
                  WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
                  GROUP BY 1) w RIGHT JOIN (SELECT 1) one ON true`,
      );
      for (const row of rows) {
        if (row.wait) waits[row.wait] = (waits[row.wait] ?? 0) + row.n;
      }
      if (rows[0]!.left === 0) break;
      if (Date.now() - started > 15 * 60_000) throw new Error('run did not finish within 15 minutes');
      await sleep(50);
    }
    const cpuAfter = await cpuSample();
    const { rows } = await db.query<{ last: Date; deliveries: number }>(
      `SELECT max(sent_at) AS last, (SELECT count(*)::int FROM deliveries) AS deliveries FROM campaigns`,
    );
    const steps = rows[0]!.deliveries;
    if (steps !== CAMPAIGNS * STEPS)
      throw new Error(`expected ${CAMPAIGNS * STEPS} deliveries, found ${steps}`);
    const seconds = (rows[0]!.last.getTime() - started) / 1000;
    const totalTicks = cpuAfter.total - cpuBefore.total;
    const sampled = Object.values(waits).reduce((sum, n) => sum + n, 0) || 1;
    return {
      contender,
      processes,
      round,
      seconds: Number(seconds.toFixed(2)),
      steps_per_second: Math.round(steps / seconds),
      postgres_cores: Number(
        (((cpuAfter.postgres - cpuBefore.postgres) / totalTicks) * machine().cpus).toFixed(2),
      ),
      machine_busy_pct: Math.round(((cpuAfter.busy - cpuBefore.busy) / totalTicks) * 100),
      waits: Object.fromEntries(
        Object.entries(waits)
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => [k, Number((n / sampled).toFixed(2))]),
      ),
    };
  });
}

/** Our workers at a steady rate, as shipped: how late each step fires. */
async function steady(adminUrl: string, processes: number) {
  return inFreshDatabase(adminUrl, 'bench_steady', async ({ url, db, workers }) => {
    workers.push(...Array.from({ length: processes }, () => ourWorker(url)));
    await Promise.all(workers.map((w) => w.waitFor('dispatcher started')));
    const campaigns = Math.round((STEADY_RATE / STEPS) * STEADY_SECONDS);
    const start = Date.now() + 2_000;
    const spacing = (STEADY_SECONDS * 1000) / campaigns;
    await seedCampaigns(db, campaigns, (i) => new Date(start + i * spacing).toISOString());
    for (const deadline = start + STEADY_SECONDS * 1000 + 60_000; ; ) {
      const { rows } = await db.query<{ left: number }>(
        `SELECT count(*)::int AS left FROM campaigns WHERE status <> 'sent'`,
      );
      if (rows[0]!.left === 0) break;
      if (Date.now() > deadline) throw new Error('steady run did not finish');
      await sleep(200);
    }
    const { rows } = await db.query<{ p50: number; p99: number; max: number; n: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
              max(ms) AS max, count(*)::int AS n
         FROM (SELECT extract(epoch FROM fired_at - due_at) * 1000 AS ms FROM deliveries) d`,
    );
    const r = rows[0]!;
    return {
      processes,
      steps_per_second: STEADY_RATE,
      seconds: STEADY_SECONDS,
      steps: r.n,
      fire_delay_p50_ms: Math.round(r.p50),
      fire_delay_p99_ms: Math.round(r.p99),
      fire_delay_max_ms: Math.round(r.max),
    };
  });
}

/** SCALE_DUE campaigns due now among `others` scheduled for later: one worker fires them. */
async function scale(adminUrl: string, others: number) {
  return inFreshDatabase(adminUrl, 'bench_scale', async ({ url, db, workers }) => {
    await db.query(
      `INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, status, scheduled_at, published_at, created_by, next_due_at)
       SELECT 'cmp_' || md5('later/' || g), 'brand_bench', 'later ' || g, 'later ' || g, 'seg_bench', 'scheduled',
              t, now(), 'bench', t
         FROM generate_series(1, $1) AS g, LATERAL (SELECT now() + interval '1 day' + g * interval '1 second' AS t) x`,
      [others],
    );
    await db.query('VACUUM ANALYZE campaigns');
    const plan = async (sql: string) => {
      await db.query('BEGIN');
      try {
        const { rows } = await db.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`,
        );
        return rows.map((r) => r['QUERY PLAN']);
      } finally {
        await db.query('ROLLBACK');
      }
    };
    const idlePlan = await plan('SELECT min(next_due_at) FROM campaigns');
    workers.push(ourWorker(url));
    await workers[0]!.waitFor('dispatcher started');
    await sleep(500);
    const due = new Date(Date.now() - 1_000).toISOString();
    await seedCampaigns(db, SCALE_DUE, () => due);
    const claimPlan = await plan(
      `SELECT id FROM campaigns WHERE next_due_at <= now() ORDER BY next_due_at LIMIT 25 FOR UPDATE SKIP LOCKED`,
    );
    const started = Date.now();
    for (;;) {
      const { rows } = await db.query<{ left: number }>(
        `SELECT count(*)::int AS left FROM campaigns WHERE next_due_at <= now()`,
      );
      if (rows[0]!.left === 0) break;
      if (Date.now() - started > 10 * 60_000) throw new Error('scale run did not finish');
      await sleep(50);
    }
    const { rows } = await db.query<{ last: Date; n: number }>(
      `SELECT max(sent_at) AS last, (SELECT count(*)::int FROM deliveries) AS n FROM campaigns WHERE sent_at IS NOT NULL`,
    );
    const seconds = (rows[0]!.last.getTime() - started) / 1000;
    return {
      campaigns_scheduled_later: others,
      campaigns_due: SCALE_DUE,
      steps: rows[0]!.n,
      seconds: Number(seconds.toFixed(2)),
      steps_per_second: Math.round(rows[0]!.n / seconds),
      idle_probe_plan: idlePlan,
      claim_plan: claimPlan,
    };
  });
}

const database = await openBenchDatabase('bench_dispatch_admin', { fsync: true });
try {
  const adminUrl = withDatabase(database.url, 'postgres');
  const setting = async (name: string) =>
    (await database.admin.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]!.v;
  const postgres = {
    version: await setting('server_version'),
    fsync: await setting('fsync'),
    synchronous_commit: await setting('synchronous_commit'),
    embedded: database.logFile !== undefined,
  };

  const plan: Array<{ contender: Contender; processes: number }> = [];
  for (const processes of WORKER_COUNTS) plan.push({ contender: 'ours', processes });
  if (PEER) for (const processes of WORKER_COUNTS) plan.push({ contender: 'graphile-worker', processes });
  if (BEFORE) for (const processes of WORKER_COUNTS) plan.push({ contender: 'before', processes });
  const runs: Run[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const shift = (round - 1) % plan.length;
    for (const { contender, processes } of [...plan.slice(shift), ...plan.slice(0, shift)]) {
      log(`round ${round}: ${contender} × ${processes}, ${CAMPAIGNS} campaigns × ${STEPS} steps ...`);
      const run = await burst(adminUrl, contender, processes, round);
      log(
        `  ${run.steps_per_second} steps/s, postgres ${run.postgres_cores} cores, waits ${JSON.stringify(run.waits)}`,
      );
      runs.push(run);
    }
  }
  const best = (contender: Contender, processes: number) =>
    Math.max(
      ...runs
        .filter((r) => r.contender === contender && r.processes === processes)
        .map((r) => r.steps_per_second),
    );
  const summary = WORKER_COUNTS.map((processes) => {
    const ours = best('ours', processes);
    const peer = PEER ? best('graphile-worker', processes) : Number.NaN;
    return {
      processes,
      ours_steps_per_s: ours,
      graphile_worker_steps_per_s: peer,
      ratio: Number((ours / peer).toFixed(2)),
      ...(BEFORE ? { before_steps_per_s: best('before', processes) } : {}),
    };
  });
  console.table(runs.map(({ waits, ...r }) => ({ ...r, waits: JSON.stringify(waits) })));
  console.table(summary);

  const steadyRuns = [];
  if (STEADY_SECONDS > 0) {
    for (const processes of [2]) {
      log(`steady: ${STEADY_RATE} steps/s for ${STEADY_SECONDS} s, ${processes} workers ...`);
      steadyRuns.push(await steady(adminUrl, processes));
    }
    console.table(steadyRuns);
  }

  const scaleRuns = [];
  if (SCALE_ROWS > 0) {
    for (const others of [1_000, SCALE_ROWS]) {
      log(`scale: ${SCALE_DUE} due among ${others} scheduled for later ...`);
      const run = await scale(adminUrl, others);
      log(
        `  ${run.steps_per_second} steps/s\n  ${run.idle_probe_plan.join('\n  ')}\n  ${run.claim_plan.join('\n  ')}`,
      );
      scaleRuns.push(run);
    }
  }

  const report = {
    benchmark: 'dispatch',
    at: new Date().toISOString(),
    commit: gitCommit(),
    machine: machine(),
    postgres,
    settings: { campaigns: CAMPAIGNS, steps: STEPS, concurrency_per_process: CONCURRENCY, rounds: ROUNDS },
    notes: [
      'summary: the best run of each contender and process count; ratio = ours / graphile-worker.',
      'waits: share of sampled active sessions per wait_event_type (CPU = not waiting).',
    ],
    summary,
    runs,
    steady: steadyRuns,
    scale: scaleRuns,
  };
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(report, null, 2)}\n`);
  log(`written to ${path.relative(process.cwd(), resultsFile)}`);
} finally {
  await database.close();
}
