import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, queryTextRows, readTextRows } from '../src/client';
import { isoFromTimestamptz, Prisma, PrismaClient } from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';

let database: TestDatabase;
let onLanes: PrismaClient;
let onPool: PrismaClient;
let foreign: PrismaClient;
let admin: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  onLanes = createPrismaClient(database.url, { poolMax: 2, readLanes: 2 });
  onPool = createPrismaClient(database.url, { poolMax: 2, readLanes: 0 });
  // A client not made by createPrismaClient: no pool to ask for text, rows come through $queryRaw.
  foreign = new PrismaClient({
    adapter: new PrismaPg({ connectionString: database.url, max: 1, options: '-c TimeZone=UTC' }),
  });
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await Promise.all([onLanes?.$disconnect(), onPool?.$disconnect(), foreign?.$disconnect()]);
  await database?.drop();
});

/** Instants in every text form a timestamptz takes: whole seconds, 1–6 fraction digits, edge years. */
const INSTANTS = [
  '2026-12-07 22:50:01+00',
  '2026-12-07 22:50:01.9+00',
  '2026-12-07 22:50:01.97+00',
  '2026-12-07 22:50:01.977+00',
  '2026-12-07 22:50:01.9771+00',
  '2026-12-07 22:50:01.97719+00',
  '2026-12-07 22:50:01.999999+00',
  '2026-12-31 23:59:59.000001+00',
  '2000-02-29 12:00:00.5+00',
  '1970-01-01 00:00:00+00',
  '1969-12-31 23:59:59.999+00',
  '0001-01-01 00:00:00+00',
  '9999-12-31 23:59:59.999+00',
  '12000-06-01 10:00:00.25+00',
  '0044-03-15 12:00:00+00 BC',
];

describe('isoFromTimestamptz', () => {
  it("writes each instant as Date#toISOString does after pg's own parse, in UTC and in any other zone", async () => {
    for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns']) {
      await admin.query(`SET TimeZone = '${zone}'`);
      const { rows } = await admin.query<{ text: string; instant: Date }>(
        'SELECT t::text AS text, t AS instant FROM unnest($1::timestamptz[]) AS t',
        [INSTANTS],
      );
      expect(rows).toHaveLength(INSTANTS.length);
      for (const { text, instant } of rows)
        expect([zone, text, isoFromTimestamptz(text)]).toEqual([zone, text, instant.toISOString()]);
    }
    await admin.query('RESET TimeZone');
  });

  it('keeps an RFC 3339 instant (a foreign client’s rows) as the same instant', () => {
    expect(isoFromTimestamptz('2026-12-07T22:50:01.977Z')).toBe('2026-12-07T22:50:01.977Z');
  });
});

describe('readTextRows and queryTextRows', () => {
  const sql = Prisma.sql`SELECT ${'x'}::text AS a, NULL::text AS b, 42::int AS c, true AS d,
    '{"k": [1, "v"]}'::jsonb AS e, timestamptz '2026-12-07 22:50:01.977123+00' AS f`;

  it('give every column as PostgreSQL writes it, NULL as null, on the lanes and on the pool', async () => {
    const expected = [['x', null, '42', 't', '{"k": [1, "v"]}', '2026-12-07 22:50:01.977123+00']];
    expect(await readTextRows(onLanes, sql)).toEqual(expected);
    expect(await queryTextRows(onLanes, sql)).toEqual(expected);
    expect(await readTextRows(onPool, sql)).toEqual(expected);
  });

  it('give a foreign client the same values, its instants as RFC 3339 and its JSON re-encoded', async () => {
    const [row] = await readTextRows(foreign, sql);
    expect(row?.slice(0, 4)).toEqual(['x', null, '42', 't']);
    expect(JSON.parse(row?.[4] ?? 'null')).toEqual({ k: [1, 'v'] });
    expect(isoFromTimestamptz(row?.[5] ?? '')).toBe('2026-12-07T22:50:01.977Z');
  });
});
