import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPrismaClient, pipelinedTransaction } from '../src/client';
import { Prisma } from '../src/index';
import { expectUnavailableWhenTerminated } from './support/terminate';
import { usePrismaDatabase } from './support/use-prisma';

// pipelinedTransaction without `before` on the write lanes (pipelined-lanes.ts): the changes of one
// event-loop turn share a socket write, each still its own transaction.

const world = usePrismaDatabase({ poolMax: 2, writeLanes: 2 });
let admin: pg.Client;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: world.url });
  await admin.connect();
});
afterAll(() => admin?.end());

const insert = (id: string) => Prisma.sql`
  INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, created_by)
  VALUES (${id}, 'brand_w', 'w', 'w', 'seg', 'user') RETURNING id, pg_backend_pid() AS pid`;
const count = (id: string) => Prisma.sql`SELECT count(*)::int AS n FROM campaigns WHERE id = ${id}`;

const stored = async (ids: string[]) =>
  (
    await admin.query<{ id: string }>('SELECT id FROM campaigns WHERE id = ANY($1) ORDER BY id', [ids])
  ).rows.map((row) => row.id);

it('runs many concurrent changes on the two lanes, each its own transaction: a failing one takes only itself back', async () => {
  await admin.query(
    `INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, created_by)
     VALUES ('cmp_w_taken', 'brand_w', 'w', 'w', 'seg', 'user') ON CONFLICT (id) DO NOTHING`,
  );
  // Every fifth change inserts a row, then one that collides: all of it is rolled back.
  const changes = Array.from({ length: 60 }, (_, n) =>
    n % 5 === 0
      ? pipelinedTransaction(world.prisma, [insert(`cmp_w_lost_${n}`), insert('cmp_w_taken')])
      : pipelinedTransaction(world.prisma, [insert(`cmp_w_${n}`), count(`cmp_w_${n}`)]),
  );
  const outcomes = await Promise.allSettled(changes);
  outcomes.forEach((outcome, n) => {
    if (n % 5 === 0) expect(outcome).toMatchObject({ status: 'rejected', reason: { code: '23505' } });
    else expect(outcome).toMatchObject({ status: 'fulfilled', value: [[{ id: `cmp_w_${n}` }], [{ n: 1 }]] });
  });
  const committed = Array.from({ length: 60 }, (_, n) => n).filter((n) => n % 5 !== 0);
  expect(await stored(committed.map((n) => `cmp_w_${n}`))).toHaveLength(48);
  expect(await stored(Array.from({ length: 12 }, (_, k) => `cmp_w_lost_${k * 5}`))).toEqual([]);

  const pids = new Set(
    outcomes.flatMap((outcome) =>
      outcome.status === 'fulfilled' ? [(outcome.value[0] as Array<{ pid: number }>)[0]?.pid] : [],
    ),
  );
  expect(pids.size).toBe(2);
  // Neither lane is a pool connection: the pool, Prisma's, opened none for them.
  const pool = await world.prisma.$queryRaw<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`;
  expect(pids.has(pool[0]?.pid ?? -1)).toBe(false);
});

it('a statement the server refuses fails its own change only; the changes behind it on the lane commit', async () => {
  const broken = Prisma.sql`/* broken */ SELECT no_such_column FROM campaigns WHERE id = ${'x'}`;
  const outcomes = await Promise.allSettled([
    pipelinedTransaction(world.prisma, [insert('cmp_w_before')]),
    pipelinedTransaction(world.prisma, [insert('cmp_w_with_broken'), broken]),
    pipelinedTransaction(world.prisma, [insert('cmp_w_after')]),
    pipelinedTransaction(world.prisma, [insert('cmp_w_after_2')]),
  ]);
  expect(outcomes.map((outcome) => outcome.status)).toEqual([
    'fulfilled',
    'rejected',
    'fulfilled',
    'fulfilled',
  ]);
  expect(outcomes[1]).toMatchObject({ reason: { code: '42703' } }); // undefined_column: the real cause
  expect(await stored(['cmp_w_before', 'cmp_w_with_broken', 'cmp_w_after', 'cmp_w_after_2'])).toEqual([
    'cmp_w_after',
    'cmp_w_after_2',
    'cmp_w_before',
  ]);
  // The same refused statement is refused again, not "prepared statement does not exist" or worse.
  await expect(pipelinedTransaction(world.prisma, [broken])).rejects.toMatchObject({ code: '42703' });
  await expect(pipelinedTransaction(world.prisma, [count('cmp_w_after')])).resolves.toEqual([[{ n: 1 }]]);
});

it('a change that fails on its statements’ first use leaves them to the changes pipelined behind it', async () => {
  // Both changes go in one socket write on one lane. The first fails at its first statement, so the
  // server skips the rest of its group, Parse messages included; the second, sent right behind it,
  // must still find every statement it uses.
  await admin.query(
    `INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, created_by)
     VALUES ('cmp_w_taken', 'brand_w', 'w', 'w', 'seg', 'user') ON CONFLICT (id) DO NOTHING`,
  );
  const one = createPrismaClient(world.url, { poolMax: 1, writeLanes: 1 });
  try {
    const firstUse = (id: string) => [
      Prisma.sql`/* pipelined first use */ INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, created_by)
                 VALUES (${id}, 'brand_w', 'x', 'x', 'seg', 'user') RETURNING id`,
      Prisma.sql`/* pipelined first use */ SELECT count(*)::int AS n FROM campaigns WHERE id = ${id}`,
    ];
    const [failed, committed] = await Promise.allSettled([
      pipelinedTransaction(one, firstUse('cmp_w_taken')),
      pipelinedTransaction(one, firstUse('cmp_w_behind')),
    ]);
    expect(failed).toMatchObject({ status: 'rejected', reason: { code: '23505' } });
    expect(committed).toEqual({ status: 'fulfilled', value: [[{ id: 'cmp_w_behind' }], [{ n: 1 }]] });
  } finally {
    await one.$disconnect();
  }
});

it('a lane whose backend is terminated fails its changes as unavailable, and the next change reconnects', async () => {
  await expectUnavailableWhenTerminated(admin, () =>
    pipelinedTransaction(world.prisma, [
      insert('cmp_w_terminated'),
      Prisma.sql`SELECT pg_sleep(2), ${1}::int AS n`,
    ]),
  );
  expect(await stored(['cmp_w_terminated'])).toEqual([]);

  const again = await Promise.all(
    [1, 2, 3, 4].map((n) => pipelinedTransaction(world.prisma, [insert(`cmp_w_again_${n}`)])),
  );
  expect(again.map(([rows]) => (rows as Array<{ id: string }>)[0]?.id)).toEqual([
    'cmp_w_again_1',
    'cmp_w_again_2',
    'cmp_w_again_3',
    'cmp_w_again_4',
  ]);
});

it('with writeLanes 0, changes use the pool', async () => {
  const client = createPrismaClient(world.url, { poolMax: 1, writeLanes: 0 });
  try {
    const [[row]] = (await pipelinedTransaction(client, [Prisma.sql`SELECT pg_backend_pid() AS pid`])) as [
      Array<{ pid: number }>,
    ];
    const [other] = await client.$queryRaw<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`;
    expect(row?.pid).toBe(other?.pid); // the pool's one connection
  } finally {
    await client.$disconnect();
  }
});
