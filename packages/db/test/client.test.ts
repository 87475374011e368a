import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPrismaClient } from '../src/client';
import { CampaignStatus, type PrismaClient } from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrismaClient(db.url, { poolMax: 2 });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

it('reads and writes the migrated schema through the pg driver adapter', async () => {
  const created = await prisma.campaign.create({
    data: {
      id: 'cmp_1',
      brandId: 'brand_1',
      name: 'Launch',
      segmentId: 'seg_1',
      createdBy: 'user_1',
      steps: {
        create: [0, 1, 2].map((position) => ({
          id: `stp_${position}`,
          position,
          templateId: `tpl_${position}`,
          templateVersionId: 'v1',
        })),
      },
    },
    include: { steps: { orderBy: { position: 'asc' } } },
  });
  expect(created.status).toBe(CampaignStatus.draft);
  expect(created.createdAt).toBeInstanceOf(Date);
  expect(created.steps.map((s) => s.variables)).toEqual([{}, {}, {}]);

  // The deferred unique constraint lets one updateMany shift positions inside a transaction.
  await prisma.$transaction([
    prisma.step.updateMany({
      where: { campaignId: 'cmp_1', position: { gte: 1 } },
      data: { position: { increment: 1 } },
    }),
    prisma.step.create({
      data: {
        id: 'stp_new',
        campaignId: 'cmp_1',
        position: 1,
        templateId: 'tpl_new',
        templateVersionId: 'v1',
      },
    }),
  ]);
  const steps = await prisma.step.findMany({ where: { campaignId: 'cmp_1' }, orderBy: { position: 'asc' } });
  expect(steps.map((s) => s.templateId)).toEqual(['tpl_0', 'tpl_new', 'tpl_1', 'tpl_2']);
});

it('stores the instant it was given even when the database runs in another time zone', async () => {
  // The adapter sends timestamps without an offset: only a UTC session keeps instants exact.
  const tokyo = await createTestDatabase();
  const setup = createPrismaClient(tokyo.url, { poolMax: 1 });
  await setup.$executeRawUnsafe(`ALTER DATABASE "${tokyo.name}" SET timezone TO 'Asia/Tokyo'`);
  await setup.$disconnect();

  const client = createPrismaClient(tokyo.url, { poolMax: 1 });
  try {
    const instant = new Date('2026-11-23T10:00:00.000Z');
    await client.campaign.create({
      data: { id: 'cmp_tz', brandId: 'b', name: 'n', segmentId: 's', createdBy: 'u', createdAt: instant },
    });
    const [stored] = await client.$queryRaw<{ epoch_ms: number }[]>`
      SELECT (extract(epoch FROM created_at) * 1000)::float8 AS epoch_ms FROM campaigns WHERE id = 'cmp_tz'`;
    expect(stored?.epoch_ms).toBe(instant.getTime());
    const read = await client.campaign.findUniqueOrThrow({ where: { id: 'cmp_tz' } });
    expect(read.createdAt.toISOString()).toBe(instant.toISOString());
  } finally {
    await client.$disconnect();
    await tokyo.drop();
  }
});
