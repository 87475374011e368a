import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { CampaignStatus, PrismaClient } from './index';

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

/**
 * Puts a campaign into `status` directly in the database (sending and sent have no API of their own:
 * the dispatcher makes them), with the timestamps the lifecycle would have given it.
 */
export async function forceStatus(
  db: PrismaClient,
  campaignId: string,
  status: CampaignStatus,
): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  const later = new Date(Date.now() + 3_600_000);
  const data = {
    // next_due_at as the service keeps it (campaigns_due_iff_active): set only while scheduled or sending.
    draft: { scheduledAt: null, publishedAt: null, sentAt: null, cancelledAt: null, nextDueAt: null },
    scheduled: { scheduledAt: later, publishedAt: past, sentAt: null, cancelledAt: null, nextDueAt: later },
    sending: { scheduledAt: past, publishedAt: past, sentAt: null, cancelledAt: null, nextDueAt: later },
    sent: { scheduledAt: past, publishedAt: past, sentAt: past, cancelledAt: null, nextDueAt: null },
    cancelled: { scheduledAt: null, publishedAt: null, sentAt: null, cancelledAt: past, nextDueAt: null },
  }[status];
  await db.campaign.update({ where: { id: campaignId }, data: { status, ...data } });
}

/**
 * `n` steps written straight into a campaign in one statement (addStep is tested on its own; this keeps
 * fixtures cheap): step k is at position k with template_id `tpl_k`.
 */
export async function insertSteps(db: PrismaClient, campaignId: string, n: number, at: Date): Promise<void> {
  await db.step.createMany({
    data: Array.from({ length: n }, (_, k) => ({
      id: `stp_${randomBytes(16).toString('hex')}`,
      campaignId,
      position: k,
      templateId: `tpl_${k}`,
      templateVersionId: 'tplv_1',
      createdAt: at,
      updatedAt: at,
    })),
  });
}

/** Positions as stored, in order: must always be exactly 0..n-1. */
export async function storedPositions(db: PrismaClient, campaignId: string): Promise<number[]> {
  const rows = await db.step.findMany({
    where: { campaignId },
    orderBy: { position: 'asc' },
    select: { position: true },
  });
  return rows.map((row) => row.position);
}

/** Everything stored about a campaign and its steps, to prove that a refused request changed nothing. */
export async function snapshot(db: PrismaClient, campaignId: string) {
  return db.campaign.findUnique({
    where: { id: campaignId },
    include: { steps: { orderBy: { position: 'asc' } } },
  });
}
