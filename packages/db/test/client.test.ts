import { expect, it } from 'vitest';
import { createPrismaClient, queryRows, withTransaction } from '../src/client';
import { CampaignStatus, Prisma } from '../src/index';
import { createTestDatabase } from '../src/testing';
import { usePrismaDatabase } from './support/use-prisma';

const world = usePrismaDatabase({ poolMax: 2 });

it('reads and writes the migrated schema through the pg driver adapter', async () => {
  const created = await world.prisma.campaign.create({
    data: {
      id: 'cmp_1',
      brandId: 'brand_1',
      name: 'Launch',
      nameSearch: 'launch',
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
  await world.prisma.$transaction([
    world.prisma.step.updateMany({
      where: { campaignId: 'cmp_1', position: { gte: 1 } },
      data: { position: { increment: 1 } },
    }),
    world.prisma.step.create({
      data: {
        id: 'stp_new',
        campaignId: 'cmp_1',
        position: 1,
        templateId: 'tpl_new',
        templateVersionId: 'v1',
      },
    }),
  ]);
  const steps = await world.prisma.step.findMany({
    where: { campaignId: 'cmp_1' },
    orderBy: { position: 'asc' },
  });
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
      data: {
        id: 'cmp_tz',
        brandId: 'b',
        name: 'n',
        nameSearch: 'n',
        segmentId: 's',
        createdBy: 'u',
        createdAt: instant,
      },
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

it('runs raw SQL on the same pool: withTransaction commits, rolls back on a throw, and maps rows', async () => {
  const instant = new Date('2026-11-23T10:00:00.000Z');
  const id = await withTransaction(world.prisma, async (tx) => {
    const [row] = await tx.query<{ id: string; createdAt: Date; n: number; j: unknown }>(Prisma.sql`
      INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, created_by, created_at, updated_at)
      VALUES ('cmp_raw', 'b', 'n', 'n', 's', 'u', ${instant}, ${instant})
      RETURNING id, created_at AS "createdAt", 1::int AS n, ${JSON.stringify({ a: [1] })}::jsonb AS j`);
    expect(row?.createdAt).toBeInstanceOf(Date);
    expect(row?.createdAt.toISOString()).toBe(instant.toISOString());
    expect(row?.n).toBe(1);
    expect(row?.j).toEqual({ a: [1] });
    return row?.id;
  });
  expect(id).toBe('cmp_raw');
  await expect(
    withTransaction(world.prisma, async (tx) => {
      await tx.query(Prisma.sql`UPDATE campaigns SET name = 'changed' WHERE id = 'cmp_raw'`);
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  const rows = await queryRows<{ name: string }>(
    world.prisma,
    Prisma.sql`SELECT name FROM campaigns WHERE id = ${'cmp_raw'}`,
  );
  expect(rows).toEqual([{ name: 'n' }]);
  // Both connections of the pool (poolMax 2) are back: two transactions can hold one each at once.
  await Promise.all(
    [0, 1].map(() => withTransaction(world.prisma, (tx) => tx.query(Prisma.sql`SELECT pg_sleep(0.05)`))),
  );
});

it('closes the shared pool on $disconnect even when only the raw paths used it', async () => {
  const client = createPrismaClient(world.url, { poolMax: 1 });
  expect(await queryRows<{ one: number }>(client, Prisma.sql`SELECT 1::int AS one`)).toEqual([{ one: 1 }]);
  await client.$disconnect();
  await expect(queryRows(client, Prisma.sql`SELECT 1`)).rejects.toThrow(/after calling end/);
});
