import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/logger';
import { applyMigrations, MigrationError, migrationStatus } from '../src/migrations';
import { defaultMigrationsDir } from '../src/paths';
import { createTestDatabase, type TestDatabase } from '../src/testing';

const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

async function emptyDatabase(): Promise<string> {
  const db = await createTestDatabase({ migrated: false });
  databases.push(db);
  return db.url;
}

/** A scratch copy of prisma/migrations that a test may edit. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  tempDirs.push(dir);
  await cp(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

async function query<R extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function recordingLogger(): Logger & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

const localNames = async () =>
  (await readdir(defaultMigrationsDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('applyMigrations', () => {
  it('applies every migration once into an empty database, recorded as Prisma records it', async () => {
    const url = await emptyDatabase();
    const names = await localNames();
    expect(names.length).toBeGreaterThan(0);
    expect(await migrationStatus(url)).toMatchObject({ upToDate: false, applied: [], pending: names });

    expect(await applyMigrations(url)).toEqual({ applied: names });

    const rows = await query<{
      id: string;
      checksum: string;
      migration_name: string;
      started_at: Date;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      logs: string | null;
      applied_steps_count: number;
    }>(url, 'SELECT * FROM _prisma_migrations ORDER BY migration_name');
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const row of rows) {
      const file = await readFile(path.join(defaultMigrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.applied_steps_count).toBe(1);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
    }
    expect(await query(url, `SELECT to_regclass('campaign_steps') IS NOT NULL AS ok`)).toEqual([
      { ok: true },
    ]);
    expect(await migrationStatus(url)).toEqual({
      upToDate: true,
      applied: names,
      pending: [],
      failed: [],
      modified: [],
    });

    // Idempotent: a second run (a restart) applies nothing and adds no rows.
    expect(await applyMigrations(url)).toEqual({ applied: [] });
    expect(await query(url, 'SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([
      { n: names.length },
    ]);
  });

  it('uses a pool connection and gives it back', async () => {
    const pool = new pg.Pool({ connectionString: await emptyDatabase(), max: 2 });
    try {
      expect((await applyMigrations(pool)).applied.length).toBeGreaterThan(0);
      expect((await migrationStatus(pool)).upToDate).toBe(true);
      expect(pool.totalCount - pool.idleCount).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('applies each migration exactly once when instances start concurrently', async () => {
    const url = await emptyDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 3 });
    try {
      const results = await Promise.all([
        applyMigrations(url),
        applyMigrations(url),
        applyMigrations(pool),
        applyMigrations(url),
        applyMigrations(pool),
      ]);
      const names = await localNames();
      expect(results.flatMap((r) => r.applied).sort()).toEqual(names);
      expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
      expect(await query(url, 'SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([
        { n: names.length },
      ]);
    } finally {
      await pool.end();
    }
  });

  it("waits for another instance's lock (Prisma's advisory lock key), up to lockTimeoutMs", async () => {
    const url = await emptyDatabase();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(72707369)');
      await expect(applyMigrations(url, { lockTimeoutMs: 200 })).rejects.toThrow(/migration lock/);
      const waiting = applyMigrations(url);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await query(url, `SELECT to_regclass('_prisma_migrations') IS NULL AS ok`)).toEqual([
        { ok: true },
      ]);
      await holder.query('SELECT pg_advisory_unlock(72707369)');
      expect((await waiting).applied).toEqual(await localNames());
    } finally {
      await holder.end();
    }
  });

  it('refuses to start when an applied migration was modified', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    await applyMigrations(url, { migrationsDir: dir });
    const [first] = await localNames();
    const file = path.join(dir, first!, 'migration.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- an innocent-looking edit\n`);

    const error = await applyMigrations(url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: 'modified', migration: first });
    expect(String(error)).toContain(first);
    expect(await migrationStatus(url, { migrationsDir: dir })).toMatchObject({
      upToDate: false,
      modified: [first],
    });
  });

  it('accepts a migration whose only change is CRLF line endings, as Prisma does', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    await applyMigrations(url, { migrationsDir: dir });
    const [first] = await localNames();
    const file = path.join(dir, first!, 'migration.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('\n', '\r\n'));
    expect(await applyMigrations(url, { migrationsDir: dir })).toEqual({ applied: [] });
  });

  describe('a failing migration', () => {
    let url: string;
    let dir: string;
    const broken = '29990101000000_broken';

    beforeEach(async () => {
      url = await emptyDatabase();
      dir = await copyOfMigrations();
      await mkdir(path.join(dir, broken));
      // Two statements that succeed, then one that fails: nothing of it may remain.
      await writeFile(
        path.join(dir, broken, 'migration.sql'),
        [
          'CREATE TABLE "half_done" ("id" TEXT NOT NULL);',
          'ALTER TABLE "campaigns" ADD COLUMN "archived_at" TIMESTAMPTZ(3);',
          'ALTER TABLE "campaigns" ADD COLUMN "oops" NO_SUCH_TYPE;',
          '',
        ].join('\n'),
      );
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('is rolled back entirely, recorded, logged, and reported by name', async () => {
      const logger = recordingLogger();
      const error = await applyMigrations(url, { migrationsDir: dir, logger }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(MigrationError);
      expect(error).toMatchObject({ code: 'apply_failed', migration: broken });
      expect(String(error)).toMatch(/29990101000000_broken.*no_such_type/is);
      expect(String(error)).toContain('line 3');

      // Earlier migrations (their own transactions) stay applied; the broken one left nothing.
      expect(await query(url, `SELECT to_regclass('campaigns') IS NOT NULL AS ok`)).toEqual([{ ok: true }]);
      expect(await query(url, `SELECT to_regclass('half_done') IS NULL AS ok`)).toEqual([{ ok: true }]);
      expect(
        await query(
          url,
          `SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'archived_at'`,
        ),
      ).toEqual([{ n: 0 }]);

      // Recorded like `prisma migrate resolve --rolled-back`: history with the error, not a blocker.
      const rows = await query<{ finished_at: Date | null; rolled_back_at: Date | null; logs: string }>(
        url,
        'SELECT finished_at, rolled_back_at, logs FROM _prisma_migrations WHERE migration_name = $1',
        [broken],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ finished_at: null, rolled_back_at: expect.any(Date) });
      expect(rows[0]?.logs).toMatch(/no_such_type/i);
      expect(logger.lines).toContainEqual(
        expect.objectContaining({ level: 'error', obj: expect.objectContaining({ migration: broken }) }),
      );
      expect(await migrationStatus(url, { migrationsDir: dir })).toMatchObject({
        upToDate: false,
        pending: [broken],
        failed: [],
      });

      // Fixed, it applies on the next start.
      await writeFile(
        path.join(dir, broken, 'migration.sql'),
        'CREATE TABLE "half_done" ("id" TEXT NOT NULL);\n',
      );
      expect(await applyMigrations(url, { migrationsDir: dir })).toEqual({ applied: [broken] });
    });

    it('left unfinished by another tool (Prisma P3009) blocks every later start', async () => {
      await applyMigrations(url);
      // What `prisma migrate deploy` leaves when a script fails outside a transaction.
      await query(
        url,
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, applied_steps_count)
         VALUES (gen_random_uuid()::text, 'x', $1, 'boom', 0)`,
        [broken],
      );
      await expect(applyMigrations(url, { migrationsDir: dir })).rejects.toMatchObject({
        code: 'failed',
        migration: broken,
      });
      expect(await migrationStatus(url, { migrationsDir: dir })).toMatchObject({
        upToDate: false,
        failed: [broken],
      });
    });
  });

  it('tolerates migrations it does not know (applied by a newer release), with a warning', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    await mkdir(path.join(dir, '29990101000000_newer'));
    await writeFile(path.join(dir, '29990101000000_newer', 'migration.sql'), 'SELECT 1;\n');
    await applyMigrations(url, { migrationsDir: dir });

    const logger = recordingLogger();
    expect(await applyMigrations(url, { logger })).toEqual({ applied: [] });
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn' }));
    expect((await migrationStatus(url)).upToDate).toBe(true);
  });

  it('names a migration directory without migration.sql', async () => {
    const dir = await copyOfMigrations();
    await mkdir(path.join(dir, '29990101000000_empty'));
    await expect(applyMigrations(await emptyDatabase(), { migrationsDir: dir })).rejects.toMatchObject({
      code: 'invalid_dir',
      migration: '29990101000000_empty',
    });
  });
});
