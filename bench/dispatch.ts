/**
 * `pnpm bench:dispatch`: steps fired per second by 1 and 2 real `pnpm worker` processes on this
 * machine. Not a test: prints a table and writes bench/results/dispatch-latest.json.
 *
 * Each round: a fresh database, N workers started and idle, then BENCH_CAMPAIGNS campaigns of
 * BENCH_STEPS zero-delay steps made due in one commit; the clock runs from that commit to the last
 * `sent_at`. The workers run as shipped: default sender (a log line per step) and LOG_LEVEL=info.
 *
 *   BENCH_DATABASE_URL  a PostgreSQL server to use (admin URL); default: an embedded one, fsync on
 *   BENCH_CAMPAIGNS     default 2000        BENCH_STEPS        default 5
 *   BENCH_WORKERS       default "1,2"       BENCH_CONCURRENCY  per worker, default 4 (as DISPATCH_CONCURRENCY)
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations, type EmbeddedPostgres, startEmbeddedPostgres } from '@campaigns/db';
import { connect, seedDueCampaigns, spawnWorker } from '../apps/server/test/dispatch/support';

const int = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};
const CAMPAIGNS = int('BENCH_CAMPAIGNS', 2000);
const STEPS = int('BENCH_STEPS', 5);
const CONCURRENCY = int('BENCH_CONCURRENCY', 4);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const resultsFile = fileURLToPath(new URL('./results/dispatch-latest.json', import.meta.url));

interface Round {
  workers: number;
  concurrency_per_worker: number;
  campaigns: number;
  steps: number;
  seconds: number;
  steps_per_second: number;
  campaigns_per_second: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function round(adminUrl: string, workerCount: number): Promise<Round> {
  const name = `bench_dispatch_${Date.now().toString(36)}_${workerCount}`;
  const admin = await connect(adminUrl);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  await applyMigrations(url);
  const db = await connect(url);
  const workers = Array.from({ length: workerCount }, () =>
    spawnWorker(url, { DISPATCH_CONCURRENCY: String(CONCURRENCY), DISPATCH_POLL_INTERVAL: '50ms' }),
  );
  try {
    await Promise.all(workers.map((w) => w.waitForLog('dispatcher started', 60_000)));
    await sleep(500); // past the first idle tick, pools warm

    await seedDueCampaigns(db, { campaigns: CAMPAIGNS, steps: STEPS, dueAt: new Date(Date.now() - 1_000) });
    const started = Date.now();
    for (;;) {
      const { rows } = await db.query<{ left: number }>(
        `SELECT count(*)::int AS left FROM campaigns WHERE status <> 'sent'`,
      );
      if (rows[0]!.left === 0) break;
      if (Date.now() - started > 15 * 60_000) throw new Error('round did not finish within 15 minutes');
      await sleep(100);
    }
    const { rows } = await db.query<{ last: Date; deliveries: number }>(
      `SELECT max(sent_at) AS last, (SELECT count(*)::int FROM deliveries) AS deliveries FROM campaigns`,
    );
    const steps = rows[0]!.deliveries;
    if (steps !== CAMPAIGNS * STEPS)
      throw new Error(`expected ${CAMPAIGNS * STEPS} deliveries, found ${steps}`);
    const seconds = (rows[0]!.last.getTime() - started) / 1000;
    return {
      workers: workerCount,
      concurrency_per_worker: CONCURRENCY,
      campaigns: CAMPAIGNS,
      steps,
      seconds: Number(seconds.toFixed(2)),
      steps_per_second: Math.round(steps / seconds),
      campaigns_per_second: Math.round(CAMPAIGNS / seconds),
    };
  } finally {
    for (const worker of workers) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

let embedded: EmbeddedPostgres | undefined;
let tempDir: string | undefined;
let adminUrl = process.env.BENCH_DATABASE_URL;
if (!adminUrl) {
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'campaigns-bench-pg-'));
  // As root the server runs as another user, which must be able to enter the directory.
  await chmod(tempDir, 0o755);
  embedded = await startEmbeddedPostgres({ dataDir: path.join(tempDir, 'data'), database: 'postgres' });
  adminUrl = embedded.url;
}

try {
  const admin = await connect(adminUrl);
  const setting = async (name: string) =>
    (await admin.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]!.v;
  const version = await setting('server_version');
  const fsync = await setting('fsync');
  await admin.end();

  const rounds: Round[] = [];
  for (const count of WORKER_COUNTS) {
    process.stderr.write(`round: ${count} worker(s), ${CAMPAIGNS} campaigns x ${STEPS} steps ...\n`);
    rounds.push(await round(adminUrl, count));
  }
  console.table(rounds);
  const report = {
    benchmark: 'dispatch',
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      // Other processes compete for the same cores: read the numbers with this in mind.
      load_average_1m: Number(os.loadavg()[0]!.toFixed(2)),
      node: process.version,
    },
    postgres: { version, fsync, embedded: embedded !== undefined },
    rounds,
  };
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`written to ${path.relative(process.cwd(), resultsFile)}\n`);
} finally {
  await embedded?.stop();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
}
