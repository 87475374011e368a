import pg from 'pg';
import { expect, it } from 'vitest';
import { createPrismaClient, pipelinedTransaction, withShape } from '../src/client';
import { Prisma } from '../src/index';
import { usePrismaDatabase } from './support/use-prisma';

const world = usePrismaDatabase({ poolMax: 2 });

const insert = (id: string, name: string) => Prisma.sql`
  INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, created_by)
  VALUES (${id}, 'brand_p', ${name}, ${name}, 'seg', 'user') RETURNING id, name`;

it('sends every value as a parameter: it arrives exactly as given', async () => {
  const tricky = [
    "it's",
    'back\\slash \\x00 \\u0041',
    `'); DROP TABLE campaigns; --`,
    '$1 $$ $tag$ ? :name',
    'naïve – 日本語 😀',
    '',
  ];
  const instant = new Date('2026-12-02T10:11:12.345Z');
  const [rows] = await pipelinedTransaction(world.prisma, [
    Prisma.sql`SELECT ${tricky}::text[] AS texts, ${instant}::timestamptz AS at, ${42}::int AS n, ${-1.5}::float8 AS f,
                      ${true}::boolean AS yes, ${null}::text AS nothing, ${JSON.stringify({ q: "a'b\\c", n: [1, null] })}::jsonb AS j,
                      ${['a,b', '{x}', 'q"uote', null]}::text[] AS arr`,
  ]);
  expect(rows).toEqual([
    {
      texts: tricky,
      at: instant,
      n: 42,
      f: -1.5,
      yes: true,
      nothing: null,
      j: { q: "a'b\\c", n: [1, null] },
      arr: ['a,b', '{x}', 'q"uote', null],
    },
  ]);
});

it('a value the server refuses fails the call, and nothing else is written', async () => {
  await expect(
    pipelinedTransaction(world.prisma, [
      insert('cmp_nul', 'fine'),
      Prisma.sql`SELECT ${'a\u0000b'}::text AS x`,
    ]),
  ).rejects.toThrow();
  expect(await world.prisma.campaign.findUnique({ where: { id: 'cmp_nul' } })).toBeNull();
});

it('commits every statement together, or none when one fails (and the connection stays usable)', async () => {
  const [first, second] = await pipelinedTransaction(world.prisma, [
    insert('cmp_p1', 'one'),
    insert('cmp_p2', 'two'),
  ]);
  expect([first, second]).toEqual([[{ id: 'cmp_p1', name: 'one' }], [{ id: 'cmp_p2', name: 'two' }]]);

  // The second insert violates the primary key: the first one is rolled back with it.
  await expect(
    pipelinedTransaction(world.prisma, [insert('cmp_p3', 'three'), insert('cmp_p1', 'again')]),
  ).rejects.toThrow(/duplicate key/);
  expect(
    await world.prisma.campaign.findMany({
      where: { id: { in: ['cmp_p1', 'cmp_p3'] } },
      select: { id: true },
    }),
  ).toEqual([{ id: 'cmp_p1' }]);
  // Both pooled connections still work (neither was left in an aborted transaction).
  const results = await Promise.all(
    [1, 2, 3].map((n) => pipelinedTransaction(world.prisma, [Prisma.sql`SELECT ${n}::int AS n`])),
  );
  expect(results).toEqual([[[{ n: 1 }]], [[{ n: 2 }]], [[{ n: 3 }]]]);
});

it('with a `before` step, runs it in the same transaction before COMMIT, and rolls back if it throws', async () => {
  await pipelinedTransaction(world.prisma, [insert('cmp_p4', 'four')], async (rows, sql) => {
    expect(rows).toEqual([[{ id: 'cmp_p4', name: 'four' }]]);
    await sql.query(Prisma.sql`UPDATE campaigns SET name = 'four!' WHERE id = 'cmp_p4'`);
  });
  expect((await world.prisma.campaign.findUniqueOrThrow({ where: { id: 'cmp_p4' } })).name).toBe('four!');

  await expect(
    pipelinedTransaction(world.prisma, [insert('cmp_p5', 'five')], async () => {
      throw new Error('changed my mind');
    }),
  ).rejects.toThrow('changed my mind');
  expect(await world.prisma.campaign.findUnique({ where: { id: 'cmp_p5' } })).toBeNull();
});

it.each([
  ['the pool', 0],
  ['a write lane', 1],
])(
  'a transaction that fails on its statements’ first use leaves %s fit for them',
  async (_label, writeLanes) => {
    // The statements go with one Sync; a failure skips the rest, so the server holds some of the
    // statements prepared in that batch and not others. The next use must work either way.
    const one = createPrismaClient(world.url, { poolMax: 1, writeLanes });
    try {
      await one.$queryRaw`INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, created_by)
                        VALUES ('cmp_first', 'brand_p', 'first', 'first', 'seg', 'user')
                        ON CONFLICT (id) DO NOTHING`;
      // New statement texts (a comment makes them unique to this test): the insert fails on the key.
      const firstUse = (id: string) => [
        Prisma.sql`/* first use ${Prisma.raw(String(writeLanes))} */ INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, created_by)
                 VALUES (${id}, 'brand_p', 'x', 'x', 'seg', 'user') RETURNING id`,
        Prisma.sql`/* first use ${Prisma.raw(String(writeLanes))} */ SELECT count(*)::int AS n FROM campaigns WHERE brand_id = 'brand_p' AND id = ${id}`,
      ];
      await expect(pipelinedTransaction(one, firstUse('cmp_first'))).rejects.toThrow(/duplicate key/);
      const [inserted, counted] = await pipelinedTransaction(one, firstUse(`cmp_second_${writeLanes}`));
      expect(inserted).toEqual([{ id: `cmp_second_${writeLanes}` }]);
      expect(counted).toEqual([{ n: 1 }]);
    } finally {
      await one.$disconnect();
    }
  },
);

it('a statement shape key stands for one text: reused, and under tests a key naming two texts throws', async () => {
  const key = `shape-test-${Math.random()}`;
  const one = (n: number) => withShape(Prisma.sql`SELECT ${n}::int AS n`, key);
  expect(await pipelinedTransaction(world.prisma, [one(1)])).toEqual([[{ n: 1 }]]);
  expect(await pipelinedTransaction(world.prisma, [one(2)])).toEqual([[{ n: 2 }]]);
  const other = withShape(Prisma.sql`SELECT ${3}::int AS m`, key);
  await expect(pipelinedTransaction(world.prisma, [other])).rejects.toThrow(
    `statement shape "${key}" names two texts`,
  );
});

it.each([0, 2])(
  'builds each row as pg itself does, first use and reuse alike (write lanes: %i)',
  async (writeLanes) => {
    // The row builder is kept per named statement and connection (statement-batch.ts, RowShape): many
    // runs of two statements of different columns, interleaved, on a client with and without lanes, each
    // compared with pg's own rows of the same statement (NULL, repeated names: the later wins, no rows).
    const one = createPrismaClient(world.url, { poolMax: 2, writeLanes });
    const pool = new pg.Pool({ connectionString: world.url, max: 1 });
    try {
      const wide = (n: number) => Prisma.sql`
        SELECT ${n}::int AS n, ${new Date(Date.UTC(2026, 0, n))}::timestamptz AS at, NULL::text AS nothing,
               ${JSON.stringify({ n })}::jsonb AS j, 'first'::text AS dup, 'second'::text AS dup,
               ${[`a${n}`, null]}::text[] AS arr`;
      const narrow = (n: number) => Prisma.sql`SELECT g::bigint AS g FROM generate_series(1, ${n}::int) AS g`;
      const expected = async (sql: Prisma.Sql) => (await pool.query(sql.text, sql.values)).rows;
      const runs = await Promise.all(
        [0, 1, 2, 3, 4, 5].map((n) => pipelinedTransaction(one, [wide(n + 1), narrow(n)])),
      );
      for (const [n, rows] of runs.entries()) {
        expect(rows).toEqual([await expected(wide(n + 1)), await expected(narrow(n))]);
      }
      expect(runs[0]).toEqual([
        [
          {
            n: 1,
            at: new Date('2026-01-01T00:00:00.000Z'),
            nothing: null,
            j: { n: 1 },
            dup: 'second',
            arr: ['a1', null],
          },
        ],
        [],
      ]);
    } finally {
      await pool.end();
      await one.$disconnect();
    }
  },
);
