import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { spawnWorker, useWorkerDatabase } from '../dispatch/support';
import { startReceiver } from '../support/webhooks';

// API.md, Webhooks, "at least once, never lost": real `pnpm worker` processes deliver to a real
// receiver; one is SIGKILLed while requests are in flight. Every event arrives at least once, with
// its webhook-id, so that after de-duplication by webhook-id each arrives exactly once.

const EVENTS = 30;

const world = useWorkerDatabase();
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

afterAll(async () => {
  await receiver?.close();
});

it('delivers every event at least once, and once after de-duplication, with a worker SIGKILLed mid-delivery', {
  timeout: 120_000,
}, async () => {
  // A receiver that takes 100 ms per request: some are always in flight.
  receiver = await startReceiver(() => 200, { delayMs: 100 });
  const { url, received } = receiver;
  const ids = () => received.map((request) => String(request.headers['webhook-id']));

  // Two endpoints of one brand, both for every event: 2 × EVENTS deliveries.
  for (const id of ['whk_a0000000000000000000000000000000', 'whk_b0000000000000000000000000000000']) {
    await world.admin.query(
      `INSERT INTO webhook_endpoints (id, brand_id, url, events, secret, created_at, updated_at)
       VALUES ($1, 'brand_kill', $2, ARRAY['*'], 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now(), now())`,
      [id, url],
    );
  }
  const eventIds = Array.from({ length: EVENTS }, () => `evt_${randomBytes(16).toString('hex')}`);
  for (const id of eventIds) {
    await world.admin.query(
      `INSERT INTO audit_events (id, brand_id, campaign_id, action, actor_type, actor, after, occurred_at)
       VALUES ($1, 'brand_kill', 'cmp_00000000000000000000000000000001', 'campaign.created', 'user', 'u', '{}', now())`,
      [id],
    );
  }

  const env = { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT: '500ms', DISPATCH_CONCURRENCY: '1' };
  world.workers.push(spawnWorker(world.url, env), spawnWorker(world.url, env));
  await Promise.all(world.workers.map((w) => w.waitForLog('dispatcher started', 60_000)));

  await expect.poll(() => ids().length, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(6);
  world.workers[0]!.child.kill('SIGKILL');
  expect(await world.workers[0]!.exited).toBe('SIGKILL');
  world.workers.push(spawnWorker(world.url, env));

  // Both endpoints share the receiver: each event id arrives (at least) twice, once per endpoint.
  const distinctPerEndpoint = async () => {
    const { rows } = await world.admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivered'`,
    );
    return Number(rows[0]!.n);
  };
  await expect.poll(distinctPerEndpoint, { timeout: 60_000, interval: 200 }).toBe(2 * EVENTS);
  expect(new Set(ids())).toEqual(new Set(eventIds));
  for (const id of eventIds) expect(ids().filter((seen) => seen === id).length).toBeGreaterThanOrEqual(2);
  const { rows } = await world.admin.query<{ status: string; n: string }>(
    `SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status`,
  );
  expect(rows).toEqual([{ status: 'delivered', n: String(2 * EVENTS) }]);
});
