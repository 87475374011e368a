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
