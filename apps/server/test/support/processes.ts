import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations, type EmbeddedPostgres, freePort, startEmbeddedPostgres } from '@campaigns/db';

/** Real server and worker processes, and a PostgreSQL a test owns, for the fault-injection suites. */

export const SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether it is still running. */
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `node --import tsx <script>` in apps/server with only the given environment (and PATH/HOME). */
export function spawnScript(script: string, env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: SERVER_DIR,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output: () => output,
    logs: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    exited,
    alive,
    kill: async (signal = 'SIGKILL') => {
      if (!alive()) return;
      child.kill(signal);
      await exited;
    },
  };
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The server process on a free port, waited for until /healthz answers. */
export async function startServerProcess(
  env: Record<string, string>,
): Promise<{ url: string; server: Spawned }> {
  const port = await freePort();
  const server = spawnScript('src/main.ts', {
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    '/healthz',
    async () => {
      if (!server.alive()) throw new Error('exited');
      return (await fetch(`${url}/healthz`)).status === 200 ? true : undefined;
    },
    30_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${server.output()}`);
  });
  return { url, server };
}

/**
 * A PostgreSQL of the test's own (never the shared TEST_DATABASE_URL server: the test stops it), migrated,
 * on a fixed port so that a restart comes back where the clients look for it.
 */
export interface OwnDatabase {
  url: string;
  current: EmbeddedPostgres;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>;
}

export async function startOwnDatabase(): Promise<OwnDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'campaigns-fault-pg-'));
  await chmod(dir, 0o755); // as root the server runs as another user, who must enter it
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  let current = await startEmbeddedPostgres({ dataDir, port, fsync: false });
  await applyMigrations(current.url);
  const own: OwnDatabase = {
    url: current.url,
    current,
    stop: () => current.stop(),
    start: async () => {
      current = await startEmbeddedPostgres({ dataDir, port, fsync: false });
      own.current = current;
    },
    destroy: async () => {
      await current.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return own;
}
