import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { getDatamodel } from './support/prisma-dmmf';
import { type Snapshot, snapshotFromDatabase, snapshotFromPrisma } from './support/schema-snapshot';

// The migrated database (the template every test copies, built by applyMigrations) must be exactly
// what schema.prisma describes. Changing one without the other fails here.

const schemaPath = path.join(repoRoot, 'prisma/schema.prisma');

let db: TestDatabase;
let actual: Snapshot;

beforeAll(async () => {
  db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    actual = await snapshotFromDatabase(client);
  } finally {
    await client.end();
  }
});
afterAll(() => db?.drop());

describe('migrated database vs prisma/schema.prisma', () => {
  it('has the same enums, tables, columns, types, defaults, indexes, keys and foreign keys', async () => {
    const expected = snapshotFromPrisma(await getDatamodel(schemaPath));
    expect(actual).toEqual(expected);
  });

  it('shows the precision-sensitive details it claims to compare', () => {
    // Guards against a comparison that silently stops looking (both sides empty, say).
    const campaigns = actual.tables.campaigns;
    expect(campaigns?.columns.scheduled_at).toBe('timestamp(3) with time zone');
    expect(campaigns?.columns.status).toBe("campaign_status NOT NULL DEFAULT 'draft'::campaign_status");
    expect(campaigns?.indexes.campaigns_brand_created_idx).toBe('btree (brand_id, created_at DESC, id DESC)');
    expect(actual.tables.campaign_steps?.foreignKeys.campaign_steps_campaign_id_fkey).toBe(
      '(campaign_id) REFERENCES campaigns(id) ON DELETE CASCADE ON UPDATE CASCADE',
    );
  });

  it('detects a schema.prisma change that has no migration', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'schema-'));
    try {
      const changed = (await readFile(schemaPath, 'utf8'))
        .replace(/(model Campaign \{\n)/, '$1  archivedAt DateTime? @map("archived_at") @db.Timestamptz(3)\n')
        .replace(
          '@@index([brandId, createdAt(sort: Desc), id(sort: Desc)]',
          '@@index([brandId, createdAt, id]',
        );
      await writeFile(path.join(dir, 'schema.prisma'), changed);
      const expected = snapshotFromPrisma(await getDatamodel(path.join(dir, 'schema.prisma')));
      expect(expected.tables.campaigns?.columns.archived_at).toBe('timestamp(3) with time zone');
      expect(expected.tables.campaigns?.indexes.campaigns_brand_created_idx).toBe(
        'btree (brand_id, created_at, id)',
      );
      expect(actual).not.toEqual(expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects an invalid schema instead of comparing against nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'schema-'));
    try {
      await copyFile(schemaPath, path.join(dir, 'schema.prisma'));
      await writeFile(path.join(dir, 'schema.prisma'), 'model Broken { id Strin @id }\n', { flag: 'a' });
      await expect(getDatamodel(path.join(dir, 'schema.prisma'))).rejects.toThrow(/P1012/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('what Prisma cannot express, declared by the migration', () => {
  it('has the deferrable unique step position and the CHECK constraints', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{
        name: string;
        type: string;
        deferrable: boolean;
        deferred: boolean;
      }>(
        `SELECT conname AS name, contype AS type, condeferrable AS deferrable, condeferred AS deferred
         FROM pg_constraint WHERE contype IN ('c', 'u') AND connamespace = 'public'::regnamespace ORDER BY conname`,
      );
      expect(rows).toEqual([
        { name: 'campaign_steps_campaign_id_position_key', type: 'u', deferrable: true, deferred: true },
        { name: 'campaign_steps_delay_minutes_range', type: 'c', deferrable: false, deferred: false },
        { name: 'campaign_steps_position_nonnegative', type: 'c', deferrable: false, deferred: false },
        { name: 'campaign_steps_variables_is_object', type: 'c', deferrable: false, deferred: false },
        { name: 'campaigns_cancelled_iff_cancelled_at', type: 'c', deferrable: false, deferred: false },
        { name: 'campaigns_due_iff_active', type: 'c', deferrable: false, deferred: false },
        { name: 'campaigns_scheduled_has_schedule', type: 'c', deferrable: false, deferred: false },
        { name: 'campaigns_sent_iff_sent_at', type: 'c', deferrable: false, deferred: false },
        { name: 'idempotency_keys_state_check', type: 'c', deferrable: false, deferred: false },
      ]);
    } finally {
      await client.end();
    }
  });
});
