import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Spawned, startServerProcess } from '../support/processes';

// Issue 12: with the embedded default, the database is part of the service. If it dies on its own, the
// server says so and exits non-zero, instead of answering 503 forever.

let server: Spawned | undefined;
let dir: string | undefined;
afterAll(async () => {
  await server?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the embedded PostgreSQL dies', () => {
  it('the server logs why and where to look, and exits with a non-zero code', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'campaigns-dies-'));
    await chmod(dir, 0o755);
    const dataDir = path.join(dir, 'postgres');
    const started = await startServerProcess({
      DATA_DIR: dataDir,
      DISPATCHER: 'on',
      JWT_SECRET: 'x'.repeat(40),
    });
    server = started.server;
    const pid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    const fatal = server.logs().find((line) => line.level === 60);
    expect(fatal?.msg).toMatch(/the embedded PostgreSQL (killed by SIGKILL|exited with code \d+); stopping/);
    expect(fatal?.logFile).toBe(path.join(dataDir, 'embedded.log'));
  }, 60_000);
});
