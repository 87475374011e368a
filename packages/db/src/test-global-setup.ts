import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded';
import { applyMigrations } from './migrations';
import { withAdminClient, withDatabaseName } from './testing';

const RUN_PREFIX = 'campaigns_vt_';
/** RUN_PREFIX, start time (9 base-36 digits), random; then _template or _<random>. */
const RUN_DATABASE = /^campaigns_vt_([0-9a-z]{9})[0-9a-f]{6}_/;
const ABANDONED_AFTER_MS = 12 * 60 * 60_000;

/** Drops databases of runs that started over 12 hours ago and never tore down (Ctrl-C, crash). */
async function sweepAbandoned(adminUrl: string): Promise<void> {
  await withAdminClient(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [RUN_PREFIX],
    );
    for (const { datname } of rows) {
      const started = RUN_DATABASE.exec(datname)?.[1];
      if (started !== undefined && Date.now() - Number.parseInt(started, 36) > ABANDONED_AFTER_MS) {
        await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(datname)} WITH (FORCE)`);
      }
    }
  });
}

/**
 * vitest globalSetup, once per run: a server (TEST_DATABASE_URL, else an embedded PostgreSQL in a temp
 * dir), and a template database migrated with applyMigrations, for createTestDatabase() to copy.
 * Teardown drops every database the run created and stops the embedded server.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: EmbeddedPostgres | undefined;
  let tempDir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    tempDir = await mkdtemp(path.join(tmpdir(), 'campaigns-test-pg-'));
    // As root the server runs as another user, which must be able to enter the directory.
    await chmod(tempDir, 0o755);
    server = await startEmbeddedPostgres({
      dataDir: path.join(tempDir, 'data'),
      database: 'postgres',
      fsync: false,
    });
    adminUrl = server.url;
  }
  const admin = adminUrl;
  // Unique per run, so runs sharing one server (CI jobs, two terminals) never touch each other's
  // databases; the start time in it lets a later run sweep what an interrupted run left behind.
  const prefix = `${RUN_PREFIX}${Date.now().toString(36).padStart(9, '0')}${randomBytes(3).toString('hex')}`;
  const template = `${prefix}_template`;

  const teardown = async () => {
    try {
      await withAdminClient(admin, async (c) => {
        const { rows } = await c.query<{ datname: string }>(
          `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
          [`${prefix}_`],
        );
        for (const { datname } of rows) {
          await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(datname)} WITH (FORCE)`);
        }
      });
    } finally {
      await server?.stop();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    }
  };

  try {
    await sweepAbandoned(admin);
    await withAdminClient(admin, (c) =>
      c.query(`CREATE DATABASE ${c.escapeIdentifier(template)} TEMPLATE template0`),
    );
    // The connection string form opens and closes its own connection: CREATE DATABASE ... TEMPLATE
    // fails while anyone is connected to the template.
    await applyMigrations(withDatabaseName(admin, template));
  } catch (error) {
    await teardown();
    throw error;
  }
  project.provide('campaignsDbAdminUrl', admin);
  project.provide('campaignsDbTemplate', template);
  project.provide('campaignsDbPrefix', prefix);
  return teardown;
}
