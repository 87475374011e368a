import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SCOPES } from '@campaigns/contract';
import { signToken } from '@campaigns/core';
import { freePort } from '@campaigns/db';
import { createTestDatabase, type TestDatabase } from '@campaigns/db/testing';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/processes';
import { type Rest, restClient } from './support/rest';

// API.md, Running: the real server process (`pnpm start` runs `tsx src/main.ts`), started the way an
// operator starts it, against a fresh database that it migrates itself.

const SERVER_DIR = fileURLToPath(new URL('..', import.meta.url));
const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
const JWT_SECRET = 'process-test-secret-0123456789-0123456789';
const CAMPAIGNS = '/v1/messaging/campaigns';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}
interface Spawned {
  child: ChildProcess;
  /** stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
}

/**
 * `node --import tsx <script>` in apps/server: what `tsx <script>` runs, without the tsx CLI's own
 * parent process in between, so that signals reach the server itself. Only the variables given (and
 * PATH/HOME) are set: nothing leaks in from the test runner (NODE_ENV=test, say).
 */
function run(script: string, args: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: SERVER_DIR,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

const refusesConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const migrationCount = readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((entry) =>
  entry.isDirectory(),
).length;

// The two short-lived processes start right away, in parallel with the server's own start-up.
let tokenScript: Spawned;
let productionWithoutSecret: { spawned: Spawned; port: number };
beforeAll(async () => {
  tokenScript = run('src/scripts/token.ts', ['--brand', 'b', '--sub', 'u'], { JWT_SECRET });
  const port = await freePort();
  const spawned = run('src/main.ts', [], {
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/never_used',
    DISPATCHER: 'off',
  });
  productionWithoutSecret = { spawned, port };
});
afterAll(() => {
  for (const spawned of [tokenScript, productionWithoutSecret?.spawned]) {
    if (spawned && spawned.child.exitCode === null && spawned.child.signalCode === null)
      spawned.child.kill('SIGKILL');
  }
});

describe('the server process', () => {
  let database: TestDatabase;
  let server: Spawned;
  let url: string;
  let port: number;
  let rest: Rest;
  let token: string;
  let crashed: Exit | undefined;

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    rest = restClient(url);
    token = await signToken(JWT_SECRET, { brandId: 'brand_proc', sub: 'user_proc' });
    server = run('src/main.ts', [], {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      JWT_SECRET,
      DISPATCHER: 'off',
      LOG_LEVEL: 'info',
    });
    void server.exited.then((exit) => {
      crashed = exit;
    });
    await waitFor(
      '/healthz',
      async () => {
        if (crashed)
          throw new Error(`server exited ${JSON.stringify(crashed)}:\n${server.stdout()}${server.stderr()}`);
        const response = await fetch(`${url}/healthz`);
        return response.status === 200 ? true : undefined;
      },
      30_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${server.stdout()}\n${server.stderr()}`);
    });
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await database?.drop();
  });

  it('migrated its empty database itself, and /readyz says ready', async () => {
    const response = await rest<{ status: string }>('GET', '/readyz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready' });

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ count: string }>(
        'SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      expect(Number(rows[0]?.count)).toBe(migrationCount);
    } finally {
      await client.end();
    }
  });

  it('accepts a token printed by `pnpm token` (scripts/token.ts) and rejects one for another secret', async () => {
    const script = tokenScript;
    const exit = await script.exited;
    expect(exit, script.stderr()).toEqual({ code: 0, signal: null });
    const printed = script.stdout().trim();
    expect(printed).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    expect(decodeProtectedHeader(printed).alg).toBe('HS256');
    const { payload } = await jwtVerify(printed, new TextEncoder().encode(JWT_SECRET));
    expect(payload).toMatchObject({ sub: 'u', brand_id: 'b' });
    expect(String(payload.scope).split(' ').sort()).toEqual(Object.values(SCOPES).sort());
    expect(typeof payload.exp).toBe('number');
    expect(Number(payload.exp) * 1000).toBeGreaterThan(Date.now() + 60_000);

    const created = await rest<{ brand_id: string; created_by: string }>('POST', CAMPAIGNS, {
      token: printed,
      body: { name: 'From pnpm token', segment_id: 'seg_1' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ brand_id: 'b', created_by: 'u' });

    const foreign = await signToken('some-other-secret-0123456789-0123456789', { brandId: 'b', sub: 'u' });
    expect((await rest('GET', CAMPAIGNS, { token: foreign })).status).toBe(401);
  });

  it('logs JSON lines with the request id, and never the Authorization header or a token', async () => {
    const response = await rest('GET', CAMPAIGNS, { token, headers: { 'x-request-id': 'proc-log-check-1' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('proc-log-check-1');
    const rejected = await rest('GET', CAMPAIGNS, {
      headers: { authorization: 'Bearer not.a-real.tokenvalue42' },
    });
    expect(rejected.status).toBe(401);

    const lines = await waitFor(
      'the request log line',
      async () => {
        const parsed = jsonLines(server.stdout());
        return parsed.some((line) => line.reqId === 'proc-log-check-1') ? parsed : undefined;
      },
      5_000,
    );
    for (const line of lines) {
      expect(line).toEqual(expect.objectContaining({ level: expect.any(Number), time: expect.any(Number) }));
    }
    const requestLines = lines.filter((line) => line.reqId === 'proc-log-check-1');
    expect(requestLines.length).toBeGreaterThan(0);
    expect(JSON.stringify(requestLines)).toContain(CAMPAIGNS);

    const everything = server.stdout() + server.stderr();
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.split('.')[2]);
    expect(everything).not.toContain('tokenvalue42');
    expect(everything.toLowerCase()).not.toContain('bearer');
  });

  it('on SIGTERM finishes the request in flight, stops accepting new ones and exits 0', async () => {
    const created = await rest<{ id: string }>('POST', CAMPAIGNS, {
      token,
      body: { name: 'Drain', segment_id: 'seg_1' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const step = await rest('POST', `${CAMPAIGNS}/${id}/steps`, {
      token,
      body: { position: 0, template_id: 'tpl_1', template_version_id: 'tplv_1' },
    });
    expect(step.status).toBe(201);

    // Hold the campaign's row lock from outside: the schedule call blocks on it inside the server.
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM campaigns WHERE id = $1 FOR UPDATE', [id]);
      const scheduledAt = new Date(Date.now() + 3_600_000).toISOString();
      const inFlight = rest<{ status: string }>('POST', `${CAMPAIGNS}/${id}/schedule`, {
        token,
        body: { scheduled_at: scheduledAt },
      });
      await waitFor(
        'the schedule call to block on the row lock',
        async () => {
          const { rows } = await locker.query<{ waiting: string }>(
            `SELECT count(*) AS waiting FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          );
          return Number(rows[0]?.waiting) > 0 ? true : undefined;
        },
        3_000,
      );

      // A live stream is open too: it never ends by itself, and must not hold the shutdown.
      const stream = await fetch(`http://127.0.0.1:${port}/v1/messaging/events/stream`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(stream.status).toBe(200);
      const streamEnded = (async () => {
        for await (const _chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
          // reading until the server ends it
        }
        return 'ended';
      })();

      server.child.kill('SIGTERM');
      expect(await streamEnded).toBe('ended');
      await waitFor(
        'the server to stop listening',
        async () => ((await refusesConnections(port)) ? true : undefined),
        3_000,
      );
      expect(server.child.exitCode).toBeNull();

      await locker.query('COMMIT');
      const answered = await inFlight;
      expect(answered.status, answered.text).toBe(200);
      expect(answered.body.status).toBe('scheduled');
    } finally {
      await locker.end();
    }

    // Promptly: a connection kept alive by the client must not hold the process for its keep-alive timeout.
    const exit = await Promise.race([
      server.exited,
      new Promise<string>((resolve) =>
        setTimeout(() => resolve('still running 5 s after its last request'), 5_000),
      ),
    ]);
    expect(exit).toEqual({ code: 0, signal: null });
    const messages = jsonLines(server.stdout()).map((line) => line.msg);
    expect(messages).toContain('stopped');

    const check = new pg.Client({ connectionString: database.url });
    await check.connect();
    try {
      const { rows } = await check.query<{ status: string }>(
        'SELECT status::text FROM campaigns WHERE id = $1',
        [id],
      );
      expect(rows[0]?.status).toBe('scheduled');
    } finally {
      await check.end();
    }
  });
});

describe('refusing to start', () => {
  it('NODE_ENV=production without JWT_SECRET exits non-zero and says why', async () => {
    const { spawned: started, port } = productionWithoutSecret;
    const exit = await started.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(started.stdout() + started.stderr()).toContain('JWT_SECRET: required when NODE_ENV=production');
    // The message alone: a configuration mistake is not a crash.
    expect(started.stderr()).not.toMatch(/\n\s+at /);
    expect(await refusesConnections(port)).toBe(true);
  });
});
