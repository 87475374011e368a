import { spawn } from 'node:child_process';
import { chmod, cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/database';
import { findBinaries, startEmbeddedPostgres } from '../src/embedded';
import type { Logger } from '../src/logger';

let root: string;
let dataDir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'embedded-test-'));
  await chmod(root, 0o755); // as root, the server runs as another user
  dataDir = path.join(root, 'data');
});
afterAll(() => rm(root, { recursive: true, force: true }));

function recordingLogger(): Logger & { messages: string[] } {
  const messages: string[] = [];
  const at = (obj: object, msg?: string) => void messages.push(`${msg} ${JSON.stringify(obj)}`);
  return { messages, info: at, warn: at, error: at };
}

async function scalar(url: string, sql: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Object.values((await client.query(sql)).rows[0] ?? {})[0];
  } finally {
    await client.end();
  }
}

/** Exited processes may linger as zombies until their new parent (init) reaps them. */
async function isAlive(pid: number): Promise<boolean> {
  const procStat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return procStat !== undefined && procStat.slice(procStat.lastIndexOf(')') + 2)[0] !== 'Z';
}

const startOptions = () => ({ dataDir, fsync: false, logger: recordingLogger() });

describe('startEmbeddedPostgres', () => {
  it('initialises a cluster once, then reuses it with its data', async () => {
    const first = await startEmbeddedPostgres(startOptions());
    expect(first.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/campaigns$/);
    await scalar(first.url, 'CREATE TABLE kept (id int)');
    await first.stop();
    await first.stop(); // idempotent
    await expect(scalar(first.url, 'SELECT 1')).rejects.toThrow();

    const options = startOptions();
    const started = Date.now();
    const second = await startEmbeddedPostgres(options);
    try {
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(options.logger.messages.join('\n')).toContain('"created":false');
      expect(await scalar(second.url, `SELECT to_regclass('kept') IS NOT NULL`)).toBe(true);
      expect(await scalar(second.url, 'SELECT current_setting($$server_version_num$$)::int >= 150000')).toBe(
        true,
      );
    } finally {
      await second.stop();
    }
  });

  it('starts despite a stale postmaster.pid whose pid now belongs to another process', async () => {
    const unrelated = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await writeFile(
        path.join(dataDir, 'postmaster.pid'),
        `${unrelated.pid}\n${dataDir}\n0\n5432\n\n127.0.0.1\n0 0\nready\n`,
      );
      const server = await startEmbeddedPostgres(startOptions());
      try {
        expect(await scalar(server.url, 'SELECT 1')).toBe(1);
      } finally {
        await server.stop();
      }
    } finally {
      unrelated.kill();
    }
  });

  it('shuts down a server orphaned by a SIGKILLed earlier run, then starts', async () => {
    // Relaunch the last command line (PostgreSQL records it) from a shell that exits at once, so the
    // server's parent is gone, as after `kill -9` of the Node process that started it.
    const opts = (await readFile(path.join(dataDir, 'postmaster.opts'), 'utf8')).trim();
    const { uid, gid } = await stat(dataDir);
    await new Promise((resolve) =>
      spawn('/bin/sh', ['-c', `${opts} >/dev/null 2>&1 &`], { uid, gid, stdio: 'ignore' }).on(
        'exit',
        resolve,
      ),
    );
    let orphan = 0;
    for (let i = 0; i < 200 && !orphan; i++) {
      const lines = (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split(
        '\n',
      );
      if (lines[7]?.trim() === 'ready') orphan = Number(lines[0]);
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(orphan).toBeGreaterThan(0);
    try {
      const options = startOptions();
      const server = await startEmbeddedPostgres(options);
      try {
        expect(await isAlive(orphan)).toBe(false);
        expect(options.logger.messages.join('\n')).toContain('orphaned');
        expect(await scalar(server.url, 'SELECT 1')).toBe(1);
      } finally {
        await server.stop();
      }
    } finally {
      if (await isAlive(orphan)) process.kill(orphan, 'SIGKILL');
    }
  });

  it('refuses a data directory that a live server of this process is using', async () => {
    const server = await startEmbeddedPostgres(startOptions());
    try {
      await expect(startEmbeddedPostgres(startOptions())).rejects.toThrow(/already serving/);
    } finally {
      await server.stop();
    }
  });

  it('reports a requested port that is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await expect(startEmbeddedPostgres({ ...startOptions(), port })).rejects.toThrow(
        /could not bind|in use/i,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('openDatabase', () => {
  it('uses an external database when given a URL', async () => {
    const db = await openDatabase({ databaseUrl: 'postgresql://example.invalid/db' });
    expect(db).toMatchObject({ url: 'postgresql://example.invalid/db', embedded: false });
    await db.stop();
  });

  it('otherwise starts the embedded server', async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const db = await openDatabase({ dataDir });
      try {
        expect(db.embedded).toBe(true);
        expect(await scalar(db.url, 'SELECT current_database()')).toBe('campaigns');
      } finally {
        await db.stop();
      }
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });
});

// Issue 12: a checkout the PostgreSQL user cannot enter (a clone in root's 0700 home directory).
describe.runIf(process.getuid?.() === 0)('as root, from a directory PostgreSQL cannot enter', () => {
  it('copies the binaries and moves the cluster where it can reach them, and says where', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'embedded-root-home-'));
    await chmod(home, 0o700);
    const found = await findBinaries();
    const nativeDir = path.dirname(path.dirname(found.postgres));
    const checkout = path.join(home, 'checkout', 'native');
    await cp(nativeDir, checkout, { recursive: true, verbatimSymlinks: true });
    const logger = recordingLogger();
    const relocated: string[] = [];
    try {
      const server = await startEmbeddedPostgres({
        dataDir: path.join(home, 'checkout', '.data', 'postgres'),
        binaries: {
          postgres: path.join(checkout, 'bin', 'postgres'),
          initdb: path.join(checkout, 'bin', 'initdb'),
        },
        fsync: false,
        logger,
      });
      relocated.push(path.dirname(server.dataDir));
      try {
        expect(server.dataDir.startsWith(home)).toBe(false);
        expect(await scalar(server.url, 'SELECT 1')).toBe(1);
        const said = logger.messages.join('\n');
        expect(said).toContain(`the embedded database lives in ${server.dataDir}`);
        expect(said).toContain('PostgreSQL binaries copied where the database user can reach them');
        const binaries = /"binaries":"([^"]+)"/.exec(said)?.[1];
        if (binaries) relocated.push(path.dirname(binaries));
      } finally {
        await server.stop();
      }
    } finally {
      await Promise.all([home, ...relocated].map((dir) => rm(dir, { recursive: true, force: true })));
    }
  }, 60_000);
});

describe('a server that dies on its own', () => {
  it('resolves unexpectedExit (and stop() does not)', async () => {
    const own = path.join(root, 'dies');
    const server = await startEmbeddedPostgres({ dataDir: own, fsync: false });
    const pid = Number((await readFile(path.join(own, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    await expect(server.unexpectedExit).resolves.toMatch(/exited with code|killed by/);
    await server.stop();

    const calm = await startEmbeddedPostgres({ dataDir: own, fsync: false });
    let resolved = false;
    void calm.unexpectedExit.then(() => (resolved = true));
    await calm.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resolved).toBe(false);
  }, 60_000);
});
