import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { type Logger, silentLogger } from './logger';
import { defaultMigrationsDir } from './paths';

/**
 * Applies `prisma/migrations/<name>/migration.sql` the way `prisma migrate deploy` does (Prisma 7's
 * migrate needs a native engine this project cannot download). The bookkeeping is Prisma's own
 * `_prisma_migrations` table, so the Prisma CLI, where available, sees the database as up to date.
 */

/** Prisma's own advisory-lock key: this applier and a real `prisma migrate` exclude each other too. */
const ADVISORY_LOCK_KEY = 72707369;

// Byte for byte what Prisma's schema engine runs (IF NOT EXISTS is safe: we hold the lock).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

/** A database to migrate: a pool (one connection is borrowed) or a connection string. */
export type Database = pg.Pool | string;

export interface MigrationOptions {
  /** Defaults to `<repo>/prisma/migrations`. */
  migrationsDir?: string;
  logger?: Logger;
  /** How long to wait for another instance's migration run before giving up. Default 5 minutes. */
  lockTimeoutMs?: number;
}

export type MigrationErrorCode = 'modified' | 'failed' | 'apply_failed' | 'invalid_dir';

/** Thrown when the service must not start on this database; `migration` names the culprit. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    message: string,
    readonly code: MigrationErrorCode,
    readonly migration?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface LocalMigration {
  name: string;
  sql: string;
  /** sha256 hex of the file bytes, as Prisma computes it. */
  checksum: string;
  /** Prisma also accepts the checksum of the script with CRLF and LF swapped (Git autocrlf). */
  altChecksum: string;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

async function readLocalMigrations(dir: string): Promise<LocalMigration[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((cause: unknown) => {
    throw new MigrationError(`Cannot read migrations directory ${dir}`, 'invalid_dir', undefined, { cause });
  });
  // Prisma orders migrations by directory name (the timestamp prefix) and ignores plain files.
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name, 'migration.sql');
      const bytes = await readFile(file).catch((cause: unknown) => {
        throw new MigrationError(`Migration ${name} has no migration.sql`, 'invalid_dir', name, { cause });
      });
      const sql = bytes.toString('utf8');
      const swapped = sql.includes('\r\n') ? sql.replaceAll('\r\n', '\n') : sql.replaceAll('\n', '\r\n');
      return { name, sql, checksum: sha256(bytes), altChecksum: sha256(swapped) };
    }),
  );
}

/** Runs `fn` on one dedicated connection; a connection that saw an error is discarded, not reused. */
async function withClient<T>(db: Database, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  if (typeof db === 'string') {
    const client = new pg.Client({ connectionString: db });
    // An idle-connection error must not crash the process; the pending query rejects anyway.
    client.on('error', () => {});
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  }
  const client = await db.connect();
  let failure: Error | undefined;
  try {
    return await fn(client);
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(failure);
  }
}

async function readMigrationRows(client: pg.ClientBase): Promise<MigrationRow[] | undefined> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('_prisma_migrations') AS t`);
  if (exists.rows[0]?.t == null) return undefined;
  const result = await client.query<MigrationRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at`,
  );
  return result.rows;
}

interface Plan {
  applied: string[];
  pending: LocalMigration[];
  /** Started but neither finished nor rolled back (Prisma's P3009): a human must look. */
  failed: string[];
  /** Applied, but the file has changed since. */
  modified: string[];
  /** Applied in the database, unknown here (a newer release ran); not an error. */
  unknown: string[];
}

function plan(local: LocalMigration[], rows: MigrationRow[]): Plan {
  const live = rows.filter((r) => r.rolled_back_at === null);
  const finished = new Map(live.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r]));
  const localNames = new Set(local.map((m) => m.name));
  return {
    applied: local.filter((m) => finished.has(m.name)).map((m) => m.name),
    pending: local.filter((m) => !finished.has(m.name)),
    failed: live.filter((r) => r.finished_at === null).map((r) => r.migration_name),
    modified: local
      .filter((m) => {
        const row = finished.get(m.name);
        return row !== undefined && row.checksum !== m.checksum && row.checksum !== m.altChecksum;
      })
      .map((m) => m.name),
    unknown: [...finished.keys()].filter((name) => !localNames.has(name)),
  };
}

function refuseUnsafe(p: Plan): void {
  const [failed] = p.failed;
  if (failed !== undefined) {
    throw new MigrationError(
      `Migration ${failed} was started but never finished (see _prisma_migrations.logs). Refusing to ` +
        'migrate: repair the database by hand, then mark the row rolled back ' +
        `(UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '${failed}' AND finished_at IS NULL).`,
      'failed',
      failed,
    );
  }
  const [modified] = p.modified;
  if (modified !== undefined) {
    throw new MigrationError(
      `Migration ${modified} was modified after it was applied (checksum differs from _prisma_migrations). ` +
        'Refusing to start: restore the original file and put the change in a new migration.',
      'modified',
      modified,
    );
  }
}

/** Renders a PostgreSQL error for `_prisma_migrations.logs`, with the line in migration.sql. */
function describeFailure(error: unknown, sql: string): string {
  if (!(error instanceof Error)) return String(error);
  const pgError = error as Partial<pg.DatabaseError>;
  const lines = [`${pgError.code ? `${pgError.code}: ` : ''}${error.message}`];
  if (pgError.position) {
    const line = sql.slice(0, Number(pgError.position) - 1).split('\n').length;
    lines.push(`at migration.sql line ${line}`);
  }
  if (pgError.detail) lines.push(`DETAIL: ${pgError.detail}`);
  if (pgError.hint) lines.push(`HINT: ${pgError.hint}`);
  return lines.join('\n');
}

/**
 * One transaction per migration: the row, the whole script and the finish mark commit together, so
 * a failure leaves neither schema changes nor an unfinished row behind. (Prisma itself runs the
 * script outside a transaction and leaves a P3009 row on failure.) The failure is still recorded,
 * as a rolled-back row with `logs`, which Prisma's tooling reads as "retry this one".
 */
async function applyOne(client: pg.ClientBase, m: LocalMigration, logger: Logger): Promise<void> {
  const started = Date.now();
  await client.query('BEGIN');
  try {
    const id = randomUUID();
    await client.query(
      'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
      [id, m.checksum, m.name],
    );
    // No parameters: pg sends a simple query, which may hold many statements.
    await client.query(m.sql);
    await client.query(
      'UPDATE _prisma_migrations SET applied_steps_count = 1, finished_at = clock_timestamp() WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    const logs = describeFailure(error, m.sql);
    await client
      .query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, rolled_back_at, applied_steps_count)
         VALUES ($1, $2, $3, $4, $5, clock_timestamp(), 0)`,
        [randomUUID(), m.checksum, m.name, logs, new Date(started)],
      )
      .catch((recordError: unknown) =>
        logger.warn({ err: recordError }, 'could not record the failed migration'),
      );
    logger.error({ migration: m.name, logs }, 'migration failed and was rolled back');
    throw new MigrationError(
      `Migration ${m.name} failed and was rolled back: ${logs}`,
      'apply_failed',
      m.name,
      {
        cause: error,
      },
    );
  }
  logger.info({ migration: m.name, ms: Date.now() - started }, 'migration applied');
}

async function withAdvisoryLock<T>(
  client: pg.ClientBase,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  // Session-level lock: held across the per-migration transactions, freed if the connection dies.
  // lock_timeout bounds the wait for another instance; it is reset before any migration runs.
  await client.query(`SELECT set_config('lock_timeout', $1, false)`, [`${Math.max(1, timeoutMs)}ms`]);
  await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]).catch((cause: unknown) => {
    if ((cause as { code?: string }).code !== '55P03') throw cause; // 55P03: lock_not_available
    throw new Error(
      `Gave up after ${timeoutMs} ms waiting for the migration lock (another instance migrating?)`,
      {
        cause,
      },
    );
  });
  await client.query('RESET lock_timeout');
  try {
    return await fn();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]);
  }
}

/**
 * Brings the database up to date. Serialised across processes by an advisory lock, so any number of
 * instances may start at once; each pending migration is applied exactly once, in name order.
 * Throws MigrationError (naming the migration) for a modified or unfinished applied migration, and
 * for a migration that fails (after rolling it back).
 */
export async function applyMigrations(
  db: Database,
  options: MigrationOptions = {},
): Promise<{ applied: string[] }> {
  const logger = options.logger ?? silentLogger;
  const local = await readLocalMigrations(options.migrationsDir ?? defaultMigrationsDir);
  return withClient(db, (client) =>
    withAdvisoryLock(client, options.lockTimeoutMs ?? 5 * 60_000, async () => {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const p = plan(local, (await readMigrationRows(client)) ?? []);
      refuseUnsafe(p);
      if (p.unknown.length > 0) {
        logger.warn(
          { migrations: p.unknown },
          'database has migrations this release does not know (newer release?)',
        );
      }
      for (const m of p.pending) await applyOne(client, m, logger);
      if (p.pending.length > 0) {
        logger.info({ applied: p.pending.map((m) => m.name) }, 'database migrated');
      }
      return { applied: p.pending.map((m) => m.name) };
    }),
  );
}

export interface MigrationStatus {
  /** True when every local migration is applied, unmodified, and nothing is half-done. */
  upToDate: boolean;
  applied: string[];
  pending: string[];
  failed: string[];
  modified: string[];
}

/** Read-only and lock-free (one small query plus reading the files): suitable for a readiness probe. */
export async function migrationStatus(
  db: Database,
  options: MigrationOptions = {},
): Promise<MigrationStatus> {
  const local = await readLocalMigrations(options.migrationsDir ?? defaultMigrationsDir);
  const rows = await withClient(db, readMigrationRows);
  const p = plan(local, rows ?? []);
  return {
    upToDate: p.pending.length === 0 && p.failed.length === 0 && p.modified.length === 0,
    applied: p.applied,
    pending: p.pending.map((m) => m.name),
    failed: p.failed,
    modified: p.modified,
  };
}
