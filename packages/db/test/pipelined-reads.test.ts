import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, readRows } from '../src/client';
import { isDatabaseUnavailable, Prisma, type PrismaClient } from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { expectUnavailableWhenTerminated } from './support/terminate';

let database: TestDatabase;
let prisma: PrismaClient;
let admin: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  prisma = createPrismaClient(database.url, { poolMax: 3, readLanes: 2 });
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await prisma?.$disconnect();
  await database?.drop();
});

const numbered = (n: number) => Prisma.sql`SELECT ${n}::int AS n, pg_backend_pid() AS pid`;

describe('readRows on pipelined lanes', () => {
  it('answers each of many concurrent reads with its own rows, over the two lanes only', async () => {
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, n) => readRows<{ n: number; pid: number }>(prisma, numbered(n))),
    );
    expect(answers.map((rows) => rows.map((row) => row.n))).toEqual(
      Array.from({ length: 300 }, (_, n) => [n]),
    );
    const pids = new Set(answers.map(([row]) => row?.pid));
    expect(pids.size).toBe(2);
    // Neither lane is a connection of the pool (whose size, 3, stays for transactions and writes).
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(rows.map((row) => row.pid)).toEqual(expect.arrayContaining([...pids]));
  });

  it('fails a read the server refuses alone: the reads beside it on the same lane are answered', async () => {
    const reads = await Promise.allSettled([
      readRows(prisma, numbered(1)),
      readRows(prisma, Prisma.sql`SELECT 1 / ${0}::int AS boom`),
      readRows(prisma, numbered(3)),
      readRows(prisma, Prisma.sql`SELECT ${'not a number'}::int AS bad`),
      readRows(prisma, numbered(5)),
    ]);
    expect(reads.map((read) => read.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(reads[1]).toMatchObject({ reason: { code: '22012' } }); // division_by_zero
    expect((reads[4] as PromiseFulfilledResult<Array<{ n: number }>>).value).toMatchObject([{ n: 5 }]);
  });

  it('a lane whose backend is terminated fails its reads as unavailable, and the next read reconnects', async () => {
    const [before] = await readRows<{ pid: number }>(prisma, numbered(0));
    if (!before) throw new Error('no row');
    // A read in flight on that backend while it is terminated.
    await expectUnavailableWhenTerminated(admin, () =>
      readRows(prisma, Prisma.sql`SELECT pg_sleep(2), ${1}::int AS n`),
    );

    const again = await Promise.all([1, 2, 3, 4].map((n) => readRows<{ n: number }>(prisma, numbered(n))));
    expect(again.map(([row]) => row?.n)).toEqual([1, 2, 3, 4]);
  });

  it('after $disconnect, a read fails as unavailable instead of waiting', async () => {
    const other = await createTestDatabase();
    const client = createPrismaClient(other.url, { readLanes: 1 });
    try {
      await readRows(client, numbered(1));
      await client.$disconnect();
      const error = await readRows(client, numbered(2)).catch((caught: unknown) => caught);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await other.drop();
    }
  });

  it('with readLanes 0, reads go to the pool', async () => {
    const other = await createTestDatabase();
    const client = createPrismaClient(other.url, { poolMax: 1, readLanes: 0 });
    try {
      const [first] = await readRows<{ pid: number }>(client, numbered(1));
      const [second] = await client.$queryRaw<Array<{ pid: number }>>(
        Prisma.sql`SELECT pg_backend_pid() AS pid`,
      );
      expect(first?.pid).toBe(second?.pid); // the pool's one connection
    } finally {
      await client.$disconnect();
      await other.drop();
    }
  });
});
