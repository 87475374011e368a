/** What `pnpm bench` and `pnpm bench:scale` share: a PostgreSQL to run against, machine facts, processes. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations, type EmbeddedPostgres, freePort, startEmbeddedPostgres } from '@campaigns/db';
import pg from 'pg';

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));

export interface BenchDatabase {
  /** A fresh, migrated database. */
  url: string;
  /** The embedded server's log (statements are logged there when asked), if embedded. */
  logFile: string | undefined;
  admin: pg.Client;
  close(): Promise<void>;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * BENCH_DATABASE_URL (an admin URL: a database is created and dropped on it), else an embedded
 * PostgreSQL in a temporary directory. `fsync` (embedded only): false trades crash safety for speed.
 */
export async function openBenchDatabase(prefix: string, options: { fsync: boolean }): Promise<BenchDatabase> {
  let embedded: EmbeddedPostgres | undefined;
  let tempDir: string | undefined;
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    tempDir = await mkdtemp(path.join(os.tmpdir(), `campaigns-${prefix}-pg-`));
    // As root the server runs as another user, which must be able to enter the directory.
    await chmod(tempDir, 0o755);
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(tempDir, 'data'),
      database: 'postgres',
      fsync: options.fsync,
    });
    adminUrl = embedded.url;
  }
  const name = `${prefix}_${Date.now().toString(36)}`;
  const admin = await connect(adminUrl);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  await applyMigrations(url);
  return {
    url,
    admin,
    logFile: embedded ? path.join(embedded.dataDir, 'embedded.log') : undefined,
    close: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
      await embedded?.stop();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}

export function machine() {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    memory_gb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    // Other processes (other engineers' test runs) compete for the same cores.
    load_average_1m_at_start: Number((os.loadavg()[0] ?? 0).toFixed(2)),
  };
}

export function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

export interface ServerProcess {
  name: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs a TypeScript entry point with tsx in its own process and waits until GET `readyPath` answers. */
export async function spawnServer(
  name: string,
  entry: string,
  env: Record<string, string>,
  options: { readyPath: string; nodeArgs?: string[]; preload?: string },
): Promise<ServerProcess> {
  const port = await freePort();
  // A TypeScript preload must come after tsx's own.
  const preload = options.preload === undefined ? [] : ['--import', options.preload];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', ...preload, entry], {
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const deadline = Date.now() + 60_000; ; ) {
    if (child.exitCode !== null) throw new Error(`${name} exited during startup:\n${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}${options.readyPath}`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${name} did not start within 60 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name,
    port,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const envInt = (name: string, fallback: number, min = 1): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return value;
};

export interface BackgroundProcess {
  child: ChildProcess;
  /** Resolves once a stdout line contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A TypeScript entry point as its own process (node --import tsx: no tsx CLI in between, so signals hit
 * it), its stdout read line by line and otherwise dropped (a full pipe would stall it).
 */
export function spawnProcess(entry: string, env: Record<string, string>, cwd = repoRoot): BackgroundProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen = '';
  let stderr = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    // Keep only a tail: enough to find a line split across chunks.
    seen = (seen + chunk).slice(-8192);
    for (const waiter of waiters.splice(0)) {
      if (seen.includes(waiter.text)) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    waitFor: (text, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        if (seen.includes(text)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`${entry} printed no "${text}" within ${timeoutMs} ms\n${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        void exited.then(() => reject(new Error(`${entry} exited before printing "${text}"\n${stderr}`)));
      }),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** CPU time (user + system) a process has used so far, in µs (Linux clock ticks of 10 ms). */
export async function processCpuUs(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10_000;
}

/**
 * Busy and total CPU ticks of the machine, and CPU ticks used so far by PostgreSQL's processes (those
 * running and those that exited).
 */
export async function cpuSample(): Promise<{ busy: number; total: number; postgres: number }> {
  const { readFile, readdir } = await import('node:fs/promises');
  const [cpu] = (await readFile('/proc/stat', 'utf8')).split('\n');
  const fields = (cpu ?? '').trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((sum, x) => sum + x, 0);
  let postgres = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
    const rest = stat.slice(close + 2).split(' ');
    // utime, stime, and cutime, cstime: the postmaster's reaped backends, whose own entries are gone.
    postgres += Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
  }
  return { busy: total - idle, total, postgres };
}

/**
 * The Node options `pnpm start` gives the service in `checkout` (apps/server/package.json's start script,
 * `node <options> --import tsx src/main.ts`): the bench runs the service as that script does, and the
 * floor with the same options, like for like.
 */
export function serviceNodeOptions(checkout: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(checkout, 'apps/server/package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = manifest.scripts.start.trim().split(/\s+/);
  const loader = words.indexOf('--import');
  if (words[0] !== 'node' || loader === -1) {
    throw new Error(`unexpected start script in ${checkout}: ${manifest.scripts.start}`);
  }
  return words.slice(1, loader);
}

/** What bench/gc-counter.ts, preloaded into a server, reports: its GC pauses so far (ms of its main thread). */
export interface GcTotals {
  seq: number;
  youngMs: number;
  fullMs: number;
  /** The longest GC pause since the previous report. */
  maxPauseMs: number;
  /** The longest event-loop stall since the previous report. */
  loopDelayMaxMs: number;
}

/** The GC totals of the server `pid` that writes them to `file` (bench/gc-counter.ts), asked by SIGUSR2. */
export async function gcTotals(pid: number, file: string): Promise<GcTotals> {
  const read = (): GcTotals | undefined => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as GcTotals;
    } catch {
      return undefined; // not written yet, or caught mid-write
    }
  };
  const before = read()?.seq ?? 0;
  process.kill(pid, 'SIGUSR2');
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
    const now = read();
    if (now && now.seq > before) return now;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`server ${pid} did not report its GC totals to ${file}`);
}
