import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { appRouter, type Context } from '@campaigns/api';
import { type Campaign, type CampaignPage, type CampaignStatus, SCOPES } from '@campaigns/contract';
import { createHs256Verifier, systemClock } from '@campaigns/core';
import { PrismaClient } from '@campaigns/db';
import { withAdminClient } from '@campaigns/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAMPAIGNS,
  createCampaign,
  expectErrorBody,
  expectValidationIssueAt,
  forceStatus,
  range,
  trpcFailure,
} from '../support/campaigns';
import { TEST_JWT_SECRET } from '../support/harness';
import { useTestServer } from '../support/use-test-server';

// GET /v1/messaging/campaigns (campaigns.list): newest first, ?status=, ?limit=, opaque keyset ?cursor=.

const harness = useTestServer();

const list = (token: string, query = '') =>
  harness.rest<CampaignPage>('GET', `${CAMPAIGNS}${query}`, { token });
const ids = (items: { id: string }[]) => items.map((item) => item.id);
/** The order the API promises: created_at descending, ties broken by id descending. */
const newestFirst = (a: Campaign, b: Campaign) =>
  a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1;

/** Every page of a listing, following next_cursor; `between` runs after each page (to insert rows). */
async function walk(token: string, query: string, between?: () => Promise<void>): Promise<Campaign[][]> {
  const pages: Campaign[][] = [];
  let cursor: string | null = null;
  do {
    const suffix: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const response = await list(token, `?${query}${suffix}`);
    expect(response.status, response.text).toBe(200);
    pages.push(response.body.items);
    cursor = response.body.next_cursor;
    if (between) await between();
    expect(pages.length).toBeLessThan(100);
  } while (cursor !== null);
  return pages;
}

/** `count` campaigns of `brand` inserted at once, all with the SAME created_at (ties stress the keyset). */
async function insertTied(brand: string, count: number, createdAt: Date, status: CampaignStatus = 'draft') {
  const rows = range(count).map((k) => ({
    id: `cmp_${randomBytes(16).toString('hex')}`,
    brandId: brand,
    name: `Tied ${k}`,
    nameSearch: `tied ${k}`,
    segmentId: 'seg',
    status,
    createdBy: 'user_seed',
    createdAt,
    updatedAt: createdAt,
    ...(status === 'cancelled' ? { cancelledAt: createdAt } : {}),
  }));
  await harness.server.db.campaign.createMany({ data: rows });
}

describe('listing', () => {
  it("lists the caller's brand only, newest first, as Campaigns", async () => {
    const token = await harness.server.token({ brand: 'brand_list_a' });
    const mine = [];
    for (let k = 0; k < 3; k++)
      mine.push(await createCampaign(harness.rest, token, { name: `Mine ${k}`, segment_id: 's' }));
    await createCampaign(harness.rest, await harness.server.token({ brand: 'brand_list_b' }));

    const response = await list(token);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ items: [...mine].sort(newestFirst), next_cursor: null });
  });

  it('returns an empty page for a brand with no campaigns', async () => {
    const response = await list(await harness.server.token({ brand: 'brand_list_empty' }));
    expect(response.body).toEqual({ items: [], next_cursor: null });
  });

  it('pages 20 by default and up to limit=100', async () => {
    const brand = 'brand_list_many';
    await insertTied(brand, 105, new Date('2026-01-01T00:00:00.000Z'));
    const token = await harness.server.token({ brand });
    const byDefault = await list(token);
    expect(byDefault.body.items).toHaveLength(20);
    expect(byDefault.body.next_cursor).toEqual(expect.any(String));
    const max = await list(token, '?limit=100');
    expect(max.body.items).toHaveLength(100);
    const one = await list(token, '?limit=1');
    expect(one.body.items).toHaveLength(1);
  });

  it('filters by status', async () => {
    const brand = 'brand_list_status';
    const token = await harness.server.token({ brand });
    const created = [];
    for (let k = 0; k < 4; k++) created.push(await createCampaign(harness.rest, token));
    await forceStatus(harness.server.db, created[1]!.id, 'cancelled');
    await forceStatus(harness.server.db, created[3]!.id, 'cancelled');
    await forceStatus(harness.server.db, created[2]!.id, 'sent');

    const cancelled = await list(token, '?status=cancelled');
    expect(ids(cancelled.body.items).sort()).toEqual([created[1]!.id, created[3]!.id].sort());
    expect(cancelled.body.items.every((c) => c.status === 'cancelled')).toBe(true);
    expect(ids((await list(token, '?status=draft')).body.items)).toEqual([created[0]!.id]);
    expect((await list(token, '?status=scheduled')).body.items).toEqual([]);
  });
});

describe('keyset pagination', () => {
  it('visits every campaign exactly once, in order, across ties in created_at', async () => {
    const brand = 'brand_page_ties';
    // 3 groups of 15 campaigns sharing one created_at each: pages of 7 cut through every group.
    for (const [k, at] of ['2026-03-01', '2026-02-01', '2026-01-01'].entries()) {
      await insertTied(brand, 15, new Date(`${at}T00:00:00.00${k}Z`));
    }
    const token = await harness.server.token({ brand });
    const pages = await walk(token, 'limit=7');
    const seen = pages.flat();
    expect(pages.map((page) => page.length)).toEqual([7, 7, 7, 7, 7, 7, 3]);
    expect(new Set(ids(seen)).size).toBe(45);
    expect(seen).toEqual([...seen].sort(newestFirst));
  });

  it('ends with next_cursor null when the last page is exactly full', async () => {
    const brand = 'brand_page_exact';
    await insertTied(brand, 14, new Date('2026-01-05T00:00:00.000Z'));
    const pages = await walk(await harness.server.token({ brand }), 'limit=7');
    expect(pages.map((page) => page.length)).toEqual([7, 7]);
  });

  it('is stable when campaigns are created between pages: no duplicates, nothing skipped', async () => {
    const brand = 'brand_page_inserts';
    const token = await harness.server.token({ brand });
    const original = [];
    for (let k = 0; k < 12; k++) original.push(await createCampaign(harness.rest, token));
    const inserted: Campaign[] = [];

    const pages = await walk(token, 'limit=5', async () => {
      inserted.push(await createCampaign(harness.rest, token), await createCampaign(harness.rest, token));
    });

    const seen = ids(pages.flat());
    expect(seen).toEqual(ids([...original].sort(newestFirst)));
    expect(seen.some((id) => ids(inserted).includes(id))).toBe(false);
    // The newcomers are all on a fresh first page.
    const fresh = await list(token, '?limit=100');
    expect(fresh.body.items).toHaveLength(12 + inserted.length);
  });

  it('keeps the status filter across pages', async () => {
    const brand = 'brand_page_status';
    await insertTied(brand, 9, new Date('2026-01-02T00:00:00.000Z'), 'cancelled');
    await insertTied(brand, 9, new Date('2026-01-03T00:00:00.000Z'), 'draft');
    const pages = await walk(await harness.server.token({ brand }), 'status=cancelled&limit=4');
    expect(pages.flat()).toHaveLength(9);
    expect(pages.flat().every((c) => c.status === 'cancelled')).toBe(true);
  });

  it("never leaks another brand's campaigns through a cursor", async () => {
    await insertTied('brand_page_x', 6, new Date('2026-01-04T00:00:00.000Z'));
    await insertTied('brand_page_y', 6, new Date('2026-01-04T00:00:00.000Z'));
    const first = await list(await harness.server.token({ brand: 'brand_page_x' }), '?limit=2');
    const cursor = encodeURIComponent(first.body.next_cursor ?? '');
    const other = await list(
      await harness.server.token({ brand: 'brand_page_y' }),
      `?limit=100&cursor=${cursor}`,
    );
    expect(other.body.items.every((c) => c.brand_id === 'brand_page_y')).toBe(true);
  });
});

describe('validation (400)', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['limit=0', ['limit']],
    ['limit=101', ['limit']],
    ['limit=abc', ['limit']],
    ['limit=2.5', ['limit']],
    ['limit=', ['limit']],
    ['status=archived', ['status']],
    ['cursor=not-a-cursor', ['cursor']],
    [`cursor=${b64({ created_at: 1 })}`, ['cursor']],
    [`cursor=${b64(['yesterday', 'cmp_1'])}`, ['cursor']],
    [`cursor=${b64(['-100000-01-01T00:00:00.000Z', 'cmp_00000000000000000000000000000000'])}`, ['cursor']],
    [`cursor=${b64(['2026-01-01T00:00:00.000Z', 'cmp_\u0000'])}`, ['cursor']],
    [`cursor=${b64(['2026-01-01T00:00:00.000Z', 42])}`, ['cursor']],
    [`cursor=${'a'.repeat(600)}`, ['cursor']],
    ['colour=red', ['colour']],
  ])('refuses ?%s', async (query, path) => {
    const response = await list(await harness.server.token({ brand: 'brand_list_a' }), `?${query}`);
    expectValidationIssueAt(response, path);
  });

  it('answers 403 without the read scope', async () => {
    const response = await list(await harness.server.token({ scopes: [SCOPES.write] }));
    expectErrorBody(response, 403, 'forbidden', { required_scope: SCOPES.read });
  });
});

describe('over tRPC (campaigns.list)', () => {
  it('pages with the cursor and filters by status', async () => {
    const brand = 'brand_trpc_list';
    await insertTied(brand, 5, new Date('2026-01-06T00:00:00.000Z'));
    await insertTied(brand, 2, new Date('2026-01-07T00:00:00.000Z'), 'cancelled');
    const client = harness.server.client(await harness.server.token({ brand }));
    const first = await client.campaigns.list.query({ limit: 4 });
    expect(first.items).toHaveLength(4);
    expect(first.items.slice(0, 2).every((c) => c.status === 'cancelled')).toBe(true);
    const second = await client.campaigns.list.query({ limit: 4, cursor: first.next_cursor ?? undefined });
    expect(second.items).toHaveLength(3);
    expect(second.next_cursor).toBeNull();
    expect(new Set(ids([...first.items, ...second.items])).size).toBe(7);
    expect((await client.campaigns.list.query({ status: 'cancelled' })).items).toHaveLength(2);
  });

  it('answers BAD_REQUEST for a bad cursor or limit', async () => {
    const client = harness.server.client(await harness.server.token());
    const badCursor = await trpcFailure(client.campaigns.list.query({ cursor: 'nope' }));
    expect(badCursor).toMatchObject({ code: 'BAD_REQUEST', error: 'validation_failed' });
    const badLimit = await trpcFailure(client.campaigns.list.query({ limit: 500 }));
    expect(badLimit).toMatchObject({ code: 'BAD_REQUEST', error: 'validation_failed' });
  });
});

// ------------------------------------------------------------------------------------------------------
// The query plan of the SQL the service really issues: captured from Prisma's query events while the real
// procedure runs, then EXPLAIN ANALYZEd on a table with enough rows that a missing index would show.
// ------------------------------------------------------------------------------------------------------

type AdapterFactory = NonNullable<ConstructorParameters<typeof PrismaClient>[0]['adapter']>;
interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

describe('query plan (O(page) at any depth)', () => {
  const BRAND = 'brand_plan';
  const PER_BRAND = 10_000;
  const LIMIT = 20;
  let logged: PrismaClient;
  let captured: { query: string; params: string }[] = [];

  beforeAll(async () => {
    // 50,000 rows over five brands and every status, with runs of equal created_at.
    await harness.server.db.$executeRawUnsafe(`
      INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, status, scheduled_at, published_at,
                             sent_at, cancelled_at, next_due_at, created_by, created_at, updated_at)
      SELECT 'cmp_' || lpad(to_hex(g), 32, '0'),
             CASE WHEN g % 5 = 0 THEN '${BRAND}' ELSE 'brand_noise_' || (g % 5) END,
             'Bulk ' || g, 'bulk ' || g, 'seg', s.status::campaign_status,
             CASE WHEN s.status IN ('scheduled', 'sending', 'sent') THEN t END,
             CASE WHEN s.status IN ('scheduled', 'sending', 'sent') THEN t END,
             CASE WHEN s.status = 'sent' THEN t END,
             CASE WHEN s.status = 'cancelled' THEN t END,
             CASE WHEN s.status IN ('scheduled', 'sending') THEN t END,
             'user_bulk', t, t
        FROM generate_series(1, ${5 * PER_BRAND}) AS g,
             LATERAL (SELECT (ARRAY['draft', 'scheduled', 'sending', 'sent', 'cancelled'])[1 + (g / 5) % 5] AS status,
                             timestamptz '2025-01-01T00:00:00Z' + ((g / 3) * interval '1 second') AS t) AS s`);
    await harness.server.db.$executeRawUnsafe('ANALYZE campaigns');

    // The service's own SQL, seen through a client that reports its queries.
    const fromDb = createRequire(new URL('../../../../packages/db/package.json', import.meta.url));
    const { PrismaPg } = (await import(fromDb.resolve('@prisma/adapter-pg'))) as {
      PrismaPg: new (config: { connectionString: string; max?: number }) => AdapterFactory;
    };
    const client = new PrismaClient({
      adapter: new PrismaPg({ connectionString: harness.server.databaseUrl, max: 2 }),
      log: [{ emit: 'event', level: 'query' }],
    });
    client.$on('query', (event) => captured.push({ query: event.query, params: event.params }));
    logged = client;
  });
  afterAll(() => logged?.$disconnect());

  const caller = () => {
    const context: Context = {
      db: logged,
      clock: systemClock,
      tokens: createHs256Verifier(TEST_JWT_SECRET),
      auth: { ok: true, principal: { sub: 'user_plan', brandId: BRAND, scopes: new Set([SCOPES.read]) } },
    };
    return appRouter.createCaller(context);
  };

  /** Runs one list call and returns its SELECT on campaigns. */
  async function listAndCapture(input: { status?: CampaignStatus; limit?: number; cursor?: string }) {
    captured = [];
    const page = await caller().campaigns.list(input);
    const selects = captured.filter((q) => /FROM campaigns\b/.test(q.query));
    expect(selects).toHaveLength(1);
    // A total order, the index's own: without the id tie-break, rows sharing a created_at could come in
    // any order and a cursor could skip or repeat them.
    expect(selects[0]!.query).toMatch(/ORDER BY created_at DESC, id DESC/);
    return { page, sql: selects[0]! };
  }

  async function explain(sql: { query: string; params: string }): Promise<PlanNode[]> {
    const params = JSON.parse(sql.params) as unknown[];
    const [row] = await withAdminClient(
      harness.server.databaseUrl,
      async (client) =>
        (
          await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
            `EXPLAIN (ANALYZE, FORMAT JSON) ${sql.query}`,
            params,
          )
        ).rows,
    );
    return nodes(row!['QUERY PLAN'][0].Plan);
  }

  /** A cursor `depth` rows down the listing, reached by paging with the API itself. */
  async function cursorAt(depth: number, status?: CampaignStatus): Promise<string> {
    let cursor: string | undefined;
    for (let seen = 0; seen < depth; seen += 100) {
      const page = await caller().campaigns.list({
        limit: 100,
        ...(status ? { status } : {}),
        ...(cursor ? { cursor } : {}),
      });
      cursor = page.next_cursor ?? undefined;
    }
    if (!cursor) throw new Error('ran out of pages');
    return cursor;
  }

  function expectIndexRange(plan: PlanNode[], index: string) {
    const types = plan.map((node) => node['Node Type']);
    expect(types).not.toContain('Seq Scan');
    expect(types).not.toContain('Sort');
    expect(types).not.toContain('Incremental Sort');
    expect(types).not.toContain('Bitmap Heap Scan');
    const scan = plan.find((node) => node['Node Type'] === 'Index Scan');
    expect(scan?.['Index Name']).toBe(index);
    // O(page): the scan reads the page (+1 to know there is more) and at most a few ties, at any depth.
    expect(scan?.['Actual Rows']).toBeLessThanOrEqual(LIMIT + 1);
    expect(scan?.['Rows Removed by Filter'] ?? 0).toBeLessThanOrEqual(3);
  }

  it('first page: Index Scan on campaigns_brand_created_idx, no Sort, no Seq Scan', async () => {
    const { page, sql } = await listAndCapture({ limit: LIMIT });
    expect(page.items).toHaveLength(LIMIT);
    expectIndexRange(await explain(sql), 'campaigns_brand_created_idx');
  });

  it('a page 5,000 rows deep reads no more rows than the first', async () => {
    const cursor = await cursorAt(5_000);
    const { page, sql } = await listAndCapture({ limit: LIMIT, cursor });
    expect(page.items).toHaveLength(LIMIT);
    expectIndexRange(await explain(sql), 'campaigns_brand_created_idx');
  });

  it('by status, deep: Index Scan on campaigns_brand_status_created_idx', async () => {
    const cursor = await cursorAt(1_500, 'sent');
    const { page, sql } = await listAndCapture({ limit: LIMIT, status: 'sent', cursor });
    expect(page.items).toHaveLength(LIMIT);
    expect(page.items.every((c) => c.status === 'sent')).toBe(true);
    expectIndexRange(await explain(sql), 'campaigns_brand_status_created_idx');
  });
});
