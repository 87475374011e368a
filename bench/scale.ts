/**
 * `pnpm bench:scale`: listing a brand's campaigns with keyset pagination stays O(page) at 1 M campaigns.
 *
 * Bulk-inserts BENCH_SCALE_ROWS (default 1,000,000) campaigns of one brand (plus 10 % of another brand's)
 * with generate_series, then times the service's own listCampaigns (Prisma, as the API runs it) at
 * page 1 and at page BENCH_SCALE_PAGE (default 10,000; its cursor is the key of the row just before it)
 * and prints PostgreSQL's EXPLAIN (ANALYZE, BUFFERS) of the same query. Then the same for `?q=` name
 * searches of three selectivities (a name in ten, a few hundred, a handful), next to the plain page. Writes
 * bench/results/scale-latest.json. BENCH_DATABASE_URL as for `pnpm bench`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeCursor, listCampaigns } from '@campaigns/core';
import { createPrismaClient } from '@campaigns/db';
import { connect, envInt, gitCommit, machine, openBenchDatabase } from './lib';

const ROWS = envInt('BENCH_SCALE_ROWS', 1_000_000);
const PAGE = envInt('BENCH_SCALE_PAGE', 10_000);
const LIMIT = 20;
const BRAND = 'brand_scale';
const REPEAT = 50;
const resultsFile = fileURLToPath(new URL('./results/scale-latest.json', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

const database = await openBenchDatabase('bench_scale', { fsync: false });
const db = await connect(database.url);
const prisma = createPrismaClient(database.url);
try {
  let started = Date.now();
  // One campaign a second going back from now; ids as the service issues them (cmp_ + 32 hex).
  const insert = (brand: string, count: number) =>
    db.query(
      `INSERT INTO campaigns (id, brand_id, name, name_search, segment_id, status, created_by, created_at, updated_at)
       SELECT 'cmp_' || md5($1 || g), $1, n.name, lower(n.name), 'seg_' || (g % 50), 'draft', 'user_scale',
              now() - make_interval(secs => g), now() - make_interval(secs => g)
         FROM generate_series(1, $2) AS g,
              LATERAL (SELECT (ARRAY['Black Friday', 'Cyber Monday', 'Spring sale', 'Welcome series', 'Win-back',
                                     'Summer deals', 'VIP preview', 'Cart reminder', 'Newsletter', 'Back in stock'])
                              [1 + g % 10] || ' #' || g AS name) AS n`,
      [brand, count],
    );
  await insert(BRAND, ROWS);
  await insert('brand_other', Math.round(ROWS / 10));
  await db.query('VACUUM ANALYZE campaigns');
  const insertSeconds = (Date.now() - started) / 1000;
  log(`inserted ${ROWS} + ${Math.round(ROWS / 10)} campaigns in ${insertSeconds.toFixed(1)} s`);

  // Page N starts after row (N-1)*LIMIT of the brand, newest first: its cursor is that row's key.
  const { rows: keys } = await db.query<{ created_at: Date; id: string }>(
    `SELECT created_at, id FROM campaigns WHERE brand_id = $1
      ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
    [BRAND, (PAGE - 1) * LIMIT - 1],
  );
  const key = keys[0];
  if (!key) throw new Error(`fewer than ${(PAGE - 1) * LIMIT} rows`);
  const cursor = encodeCursor({ createdAt: key.created_at, id: key.id });

  const deps = { db: prisma, clock: { now: () => new Date() } };
  const actor = { sub: 'user_scale', brandId: BRAND };
  const time = async (input: { limit: number; cursor?: string; q?: string }) => {
    for (let i = 0; i < 5; i++) await listCampaigns(deps, actor, input);
    const ms: number[] = [];
    let items = 0;
    for (let i = 0; i < REPEAT; i++) {
      started = performance.now();
      items = (await listCampaigns(deps, actor, input)).items.length;
      ms.push(performance.now() - started);
    }
    ms.sort((a, b) => a - b);
    return {
      items,
      median_ms: Number((ms[REPEAT >> 1] as number).toFixed(2)),
      p95_ms: Number((ms[Math.floor(REPEAT * 0.95)] as number).toFixed(2)),
    };
  };
  const page1 = await time({ limit: LIMIT });
  const pageN = await time({ limit: LIMIT, cursor });

  // The service's statement (services/campaigns.ts listCampaigns), for the plan.
  const explain = async (withCursor: boolean) =>
    (
      await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
         SELECT * FROM campaigns
          WHERE brand_id = $1 ${withCursor ? 'AND created_at <= $3 AND (created_at < $3 OR (created_at = $3 AND id < $4))' : ''}
          ORDER BY created_at DESC, id DESC LIMIT $2`,
        withCursor ? [BRAND, LIMIT + 1, key.created_at, key.id] : [BRAND, LIMIT + 1],
      )
    ).rows.map((row) => row['QUERY PLAN']);
  const plan1 = await explain(false);
  const planN = await explain(true);

  // Search: page 1 of three selectivities, each timed like the plain page and explained.
  const searches = { common: 'friday', middle: 'day #9', few: '#12345', handful: '#123456' };
  const search: Record<string, unknown> = {};
  for (const [label, q] of Object.entries(searches)) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM campaigns WHERE brand_id = $1 AND name_search LIKE $2`,
      [BRAND, `%${q}%`],
    );
    const timing = await time({ limit: LIMIT, q });
    const plan = (
      await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
         SELECT * FROM campaigns WHERE brand_id = $1 AND name_search LIKE $2
          ORDER BY created_at DESC, id DESC LIMIT $3`,
        [BRAND, `%${q}%`, LIMIT + 1],
      )
    ).rows.map((row) => row['QUERY PLAN']);
    search[label] = {
      q,
      matches: rows[0]?.n,
      ...timing,
      ratio_to_plain_page: Number((timing.median_ms / page1.median_ms).toFixed(2)),
      plan,
    };
    log(`
q=${q} (${rows[0]?.n} matches): ${JSON.stringify(timing)}\n${plan.join('\n')}`);
  }

  log(`\npage 1: ${JSON.stringify(page1)}\n${plan1.join('\n')}`);
  log(`\npage ${PAGE}: ${JSON.stringify(pageN)}\n${planN.join('\n')}`);

  const report = {
    benchmark: 'scale',
    at: new Date().toISOString(),
    commit: gitCommit(),
    machine: machine(),
    rows: { brand: ROWS, other_brand: Math.round(ROWS / 10) },
    insert_seconds: Number(insertSeconds.toFixed(1)),
    page_size: LIMIT,
    timings_via_listCampaigns: { page_1: page1, [`page_${PAGE}`]: pageN },
    plans: { page_1: plan1, [`page_${PAGE}`]: planN },
    search_page_1: search,
  };
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(report, null, 2)}\n`);
  log(`written to ${path.relative(process.cwd(), resultsFile)}`);
} finally {
  await prisma.$disconnect();
  await db.end();
  await database.close();
}
