/**
 * `pnpm bench:procedure`: where one call's CPU goes below HTTP, layer by layer, in this process (no load
 * generator, no sockets but the database's). Explains the API's gap to the floor (docs/performance.md):
 *
 *   raw pg          one statement on a plain pg.Pool: for get the floor's; for update a bare UPDATE without
 *                   the audit row, If-Match or state checks (a lower bound, not the floor)
 *   service         the core service (getCampaign / updateCampaign) plus the output schema's parse
 *   tRPC caller     createCaller(ctx).campaigns.<op>: the guard middleware, input and output
 *                   validation, the resolver, through tRPC's procedure call
 *   per request     a fresh context (token verification, cached) + invokeProcedure: what a REST route
 *                   and the tRPC fast path run for each request
 *
 * 10 calls in flight, BENCH_CALLS per layer (default 20,000), BENCH_ROUNDS rounds (default 3), the
 * layers alternating; CPU µs per call from process.cpuUsage (user + system). Not a test.
 */
import { createCaller, createContextFactory, invokeProcedure } from '@campaigns/api';
import { CampaignSchema, SCOPES } from '@campaigns/contract';
import { createHs256Verifier, getCampaign, signToken, systemClock, updateCampaign } from '@campaigns/core';
import { createPrismaClient } from '@campaigns/db';
import pg from 'pg';
import { envInt, openBenchDatabase } from './lib';

const CALLS = envInt('BENCH_CALLS', 20_000);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const IN_FLIGHT = 10;
const SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const BRAND = 'brand_bench';

const database = await openBenchDatabase('procedure', { fsync: true });
const db = createPrismaClient(database.url);
const pool = new pg.Pool({ connectionString: database.url, max: 10 });
try {
  const contextFor = createContextFactory({ db, clock: systemClock, tokens: createHs256Verifier(SECRET) });
  const token = await signToken(SECRET, {
    brandId: BRAND,
    sub: 'bench',
    scopes: Object.values(SCOPES),
    expiresIn: '1h',
  });
  const request = { headers: { authorization: `Bearer ${token}` }, ip: '127.0.0.1', id: 'req-1' };
  const ctx = await contextFor({ req: request });
  const actor = { sub: 'bench', brandId: BRAND };
  const { id } = await createCaller(ctx).campaigns.create({ name: 'Bench', segment_id: 'seg_bench' });
  let n = 0;
  const name = () => `Bench ${n++ % 1000}`;

  const layers: Record<string, Record<string, () => Promise<unknown>>> = {
    get: {
      'raw pg': () =>
        pool.query('SELECT * FROM campaigns WHERE id = $1 AND brand_id = $2 LIMIT 1', [id, BRAND]),
      service: async () => CampaignSchema.parse(await getCampaign({ db, clock: systemClock }, actor, { id })),
      'tRPC caller': () => createCaller(ctx).campaigns.get({ id }),
      'per request': async () =>
        invokeProcedure({
          path: 'campaigns.get',
          type: 'query',
          ctx: await contextFor({ req: request }),
          rawInput: () => ({ id }),
        }),
    },
    update: {
      'raw pg': () =>
        pool.query(
          `UPDATE campaigns SET name = $3, updated_at = now() WHERE id = $1 AND brand_id = $2 AND status = 'draft' RETURNING *`,
          [id, BRAND, name()],
        ),
      service: async () =>
        CampaignSchema.parse(await updateCampaign({ db, clock: systemClock }, actor, { id, name: name() })),
      'tRPC caller': () => createCaller(ctx).campaigns.update({ id, name: name() }),
      'per request': async () =>
        invokeProcedure({
          path: 'campaigns.update',
          type: 'mutation',
          ctx: await contextFor({ req: request }),
          rawInput: () => ({ id, name: name() }),
        }),
    },
  };

  async function measure(call: () => Promise<unknown>) {
    for (let i = 0; i < 500; i++) await call();
    const cpu = process.cpuUsage();
    const started = performance.now();
    let issued = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (issued++ < CALLS) await call();
      }),
    );
    const used = process.cpuUsage(cpu);
    return {
      cpuUs: (used.user + used.system) / CALLS,
      perSecond: CALLS / ((performance.now() - started) / 1000),
    };
  }

  const rows: Array<Record<string, string | number>> = [];
  for (const [op, byLayer] of Object.entries(layers)) {
    const results = new Map<string, Array<{ cpuUs: number; perSecond: number }>>();
    const names = Object.keys(byLayer);
    for (let round = 0; round < ROUNDS; round++) {
      const shift = round % names.length;
      for (const layer of [...names.slice(shift), ...names.slice(0, shift)]) {
        results.set(layer, [...(results.get(layer) ?? []), await measure(byLayer[layer]!)]);
      }
    }
    const best = (layer: string) => Math.min(...(results.get(layer) ?? []).map((r) => r.cpuUs));
    for (const layer of names) {
      rows.push({
        op,
        layer,
        cpu_us_per_call: Number(best(layer).toFixed(1)),
        vs_raw_pg: Number((best(layer) / best('raw pg')).toFixed(2)),
        calls_per_s: Math.round(Math.max(...(results.get(layer) ?? []).map((r) => r.perSecond))),
      });
    }
  }
  console.table(rows);
} finally {
  await pool.end();
  await db.$disconnect();
  await database.close();
}
