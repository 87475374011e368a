import { CAMPAIGN_STATUSES } from '@campaigns/contract';
import {
  type Campaign as CampaignRow,
  createPrismaClient,
  Prisma,
  type PrismaClient,
  readRows,
  readTextRows,
} from '@campaigns/db';
import { createTestDatabase, type TestDatabase } from '@campaigns/db/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGN_COLUMNS } from '../../src/services/campaign-lock';
import { CAMPAIGN_TEXT_COLUMNS, campaignFromText, toCampaign } from '../../src/services/mappers';

let database: TestDatabase;
let db: PrismaClient;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.url, { poolMax: 2, readLanes: 1 });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

// Microseconds since 1970 for instants from year 1 to 9999: what a timestamptz column holds.
const micros = fc.bigInt({ min: -62_135_596_800_000_000n, max: 253_402_300_799_999_999n });
const instant = fc.oneof(
  micros,
  micros.map((us) => (us / 1000n) * 1000n), // whole milliseconds, as the service writes most instants
  micros.map((us) => (us / 1_000_000n) * 1_000_000n), // whole seconds
);
const maybe = fc.option(instant, { nil: null });
/** A campaign as the table's checks allow it: each status with the instants it requires or forbids. */
const campaign = fc
  .record({
    name: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
    description: fc.option(fc.string({ maxLength: 40, unit: 'grapheme' }), { nil: null }),
    status: fc.constantFrom(...CAMPAIGN_STATUSES),
    scheduledAt: instant,
    publishedAt: instant,
    ended: instant,
    draftScheduledAt: maybe,
    createdAt: instant,
    updatedAt: instant,
    sendWindow: fc.option(
      fc.record({
        time_zone: fc.constantFrom('UTC', 'Europe/Paris'),
        days: fc.constant([1, 2]),
        start: fc.constant('09:00'),
        end: fc.constant('17:30'),
      }),
      { nil: null },
    ),
  })
  .map(({ status, scheduledAt, publishedAt, ended, draftScheduledAt, ...rest }) => ({
    ...rest,
    status,
    times: [
      status === 'draft' ? draftScheduledAt : scheduledAt,
      status === 'draft' ? null : publishedAt,
      status === 'sent' ? ended : null,
      status === 'cancelled' ? ended : null,
    ],
    due: status === 'scheduled' || status === 'sending' ? scheduledAt : null,
  }));

describe('campaignFromText', () => {
  it('gives, for any stored campaign, exactly what toCampaign gives for the same row', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(campaign, { minLength: 1, maxLength: 8 }), async (campaigns) => {
        await db.$executeRaw`DELETE FROM campaigns`;
        for (const [index, c] of campaigns.entries()) {
          const at = (us: bigint | null) => (us === null ? null : us.toString());
          await db.$executeRaw`INSERT INTO campaigns (id, brand_id, name, name_search, description, segment_id, status,
              scheduled_at, published_at, sent_at, cancelled_at, created_by, created_at, updated_at, send_window, next_due_at)
            SELECT ${`cmp_${index.toString().padStart(32, '0')}`}, 'brand_map', ${c.name}, lower(${c.name}), ${c.description},
              'seg_1', ${c.status}::campaign_status, t[1], t[2], t[3], t[4], 'user_1',
              to_timestamp(${at(c.createdAt)}::numeric / 1e6), to_timestamp(${at(c.updatedAt)}::numeric / 1e6),
              ${c.sendWindow === null ? null : JSON.stringify(c.sendWindow)}::jsonb,
              to_timestamp(${at(c.due)}::numeric / 1e6)
              FROM (SELECT array(SELECT to_timestamp(u::numeric / 1e6) FROM unnest(${c.times.map(at)}::text[]) AS u) AS t) AS times`;
        }
        const where = Prisma.sql`FROM campaigns ORDER BY id`;
        const rows = await readRows<CampaignRow>(db, Prisma.sql`SELECT ${CAMPAIGN_COLUMNS} ${where}`);
        const texts = await readTextRows(db, Prisma.sql`SELECT ${CAMPAIGN_TEXT_COLUMNS} ${where}`);
        expect(texts.map(campaignFromText)).toEqual(rows.map(toCampaign));
        expect(rows).toHaveLength(campaigns.length);
      }),
      { numRuns: 40 },
    );
  });
});
