import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Sender, SendRequest } from '@campaigns/core';
import type { Logger } from '@campaigns/db';
import { createTestDatabase, type TestDatabase } from '@campaigns/db/testing';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

/** Dispatch test and benchmark helpers. No vitest imports: bench/dispatch.ts uses them too. */

/** A sender that remembers what it was handed. */
export class RecordingSender implements Sender {
  readonly sent: SendRequest[] = [];
  async send(request: SendRequest): Promise<void> {
    this.sent.push(request);
  }
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  info(obj: object, msg?: string) {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg?: string) {
    this.lines.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg?: string) {
    this.lines.push({ level: 'error', obj, msg });
  }
}

/** A connected pg client (bench/dispatch.ts cannot resolve `pg` from the repository root). */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * `campaigns` scheduled campaigns of `steps` zero-delay steps each, all due at `dueAt`, inserted in one
 * statement per table (the API cannot schedule in the past). Ids look like the service's own.
 */
export async function seedDueCampaigns(
  client: pg.ClientBase,
  options: { campaigns: number; steps: number; dueAt: Date; brand?: string; tag?: string },
): Promise<void> {
  const tag = options.tag ?? 'load';
  await client.query('BEGIN');
  await client.query(
    `INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, status, scheduled_at, published_at, created_by, next_due_at)
     SELECT 'cmp_' || md5($4 || '/c' || g), $1, 'load ' || g, 'load ' || g, 'seg_load', 'scheduled', $2, $2, 'load', $2
       FROM generate_series(1, $3) AS g`,
    [options.brand ?? 'brand_load', options.dueAt, options.campaigns, tag],
  );
  await client.query(
    `INSERT INTO campaign_steps (id, campaign_id, position, template_id, template_version_id)
     SELECT 'stp_' || md5($3 || '/s' || g || '/' || p), 'cmp_' || md5($3 || '/c' || g), p, 'tpl_load', 'tplv_1'
       FROM generate_series(1, $1) AS g, generate_series(0, $2 - 1) AS p`,
    [options.campaigns, options.steps, tag],
  );
  await client.query('COMMIT');
}

export const serverDir = fileURLToPath(new URL('../../', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Resolves when a log line with this `msg` appears. */
  waitForLog(msg: string, timeoutMs?: number): Promise<void>;
}

/**
 * `pnpm worker` as a real process. Node runs src/worker.ts directly with tsx's loader (`node --import
 * tsx`) rather than through the tsx CLI, which would put a second process in between: a SIGKILL must
 * hit the worker itself.
 */
export function spawnWorker(databaseUrl: string, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: serverDir,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      DISPATCH_POLL_INTERVAL: '20ms',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<{ msg: string; resolve: () => void }> = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      for (const waiter of waiters.filter((w) => w.msg === entry.msg)) waiter.resolve();
    }
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) =>
    // 'close', not 'exit': by then stdout is fully read.
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const waitForLog = (msg: string, timeoutMs = 20_000) =>
    logs.some((entry) => entry.msg === msg)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(new Error(`worker ${child.pid} logged no "${msg}" within ${timeoutMs} ms\n${stderr}`)),
            timeoutMs,
          );
          waiters.push({
            msg,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
          void exited.then(() => reject(new Error(`worker ${child.pid} exited before "${msg}"\n${stderr}`)));
        });
  return { child, logs, exited, waitForLog };
}

/** A test file's own database for worker processes, an admin connection to it, and its workers. */
export interface WorkerDatabase {
  url: string;
  admin: pg.Client;
  /** Spawned by the test; SIGKILLed after the file if still running. */
  workers: WorkerProcess[];
}

/**
 * A fresh migrated database for the file's worker processes, opened before its tests; afterwards every
 * worker still running is killed, the connection closed and the database dropped.
 */
export function useWorkerDatabase(): WorkerDatabase {
  let database: TestDatabase | undefined;
  let admin: pg.Client | undefined;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    admin = await connect(database.url);
  });
  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await admin?.end();
    await database?.drop();
  });
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useWorkerDatabase: read it in a hook or test');
    return value;
  };
  return {
    get url() {
      return opened(database).url;
    },
    get admin() {
      return opened(admin);
    },
    workers,
  };
}
