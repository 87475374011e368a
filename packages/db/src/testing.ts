import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * Per-test-file databases for every package's tests. The vitest globalSetup (test-global-setup.ts)
 * provides one server per run and a migrated template; each test file copies the template, which is
 * fast, isolated, and safe across parallel workers.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string for creating and dropping databases on the test server. */
    campaignsDbAdminUrl: string;
    /** The migrated template database that createTestDatabase() copies. */
    campaignsDbTemplate: string;
    /** Name prefix of every database this run creates (all dropped at teardown). */
    campaignsDbPrefix: string;
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Drops the database, terminating connections still open to it. */
  drop(): Promise<void>;
}

/** The connection string for another database on the same server. */
export function withDatabaseName(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Runs `fn` on a short-lived connection to the server's admin database. */
export async function withAdminClient<T>(
  adminUrl: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one test file: a copy of the migrated template, or with `migrated: false` an
 * empty one (template0). Call `drop()` in afterAll; leftovers are dropped at the end of the run anyway.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('campaignsDbAdminUrl');
  const template = options.migrated === false ? 'template0' : inject('campaignsDbTemplate');
  const name = `${inject('campaignsDbPrefix')}_${randomBytes(5).toString('hex')}`;
  await withAdminClient(adminUrl, (c) =>
    c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE ${c.escapeIdentifier(template)}`),
  );
  let dropped: Promise<void> | undefined;
  return {
    url: withDatabaseName(adminUrl, name),
    name,
    drop: () =>
      (dropped ??= withAdminClient(adminUrl, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
      })),
  };
}
