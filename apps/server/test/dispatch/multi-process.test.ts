import { expect, it } from 'vitest';
import { seedDueCampaigns, spawnWorker, useWorkerDatabase } from './support';

// Real `pnpm worker` processes against one real PostgreSQL: hundreds of due campaigns, one worker
// SIGKILLed mid-way, the others SIGTERMed at the end. Afterwards every step has exactly one delivery,
// every campaign is sent, no sender saw a delivery twice, and no session or lock is left behind.

const CAMPAIGNS = 800;
const STEPS = 5;
const TOTAL = CAMPAIGNS * STEPS;
const LANES = 2;
const BATCH = 10;

const world = useWorkerDatabase();

const count = async (sql: string): Promise<number> =>
  Number((await world.admin.query<{ n: string }>(sql)).rows[0]!.n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('fires every step exactly once across processes, one of them SIGKILLed mid-way', {
  timeout: 120_000,
}, async () => {
  world.workers.push(
    ...Array.from({ length: 3 }, () =>
      spawnWorker(world.url, { DISPATCH_CONCURRENCY: String(LANES), DISPATCH_BATCH_SIZE: String(BATCH) }),
    ),
  );
  // Generous limits: starting tsx and finishing take a few seconds on an idle 2-core machine, many
  // times that on a shared one.
  await Promise.all(world.workers.map((w) => w.waitForLog('dispatcher started', 60_000)));

  await seedDueCampaigns(world.admin, {
    campaigns: CAMPAIGNS,
    steps: STEPS,
    dueAt: new Date(Date.now() - 1_000),
  });

  // Kill the first worker mid-way; the database holds its claims only as long as its connections live.
  const victim = world.workers[0]!;
  // Kill it once part of the work is done, the victim's share included (a batch claims several campaigns,
  // so the other workers can otherwise get far before the victim hands anything to its sender).
  const victimFired = () => victim.logs.some((l) => l.msg === 'step fired');
  for (
    let delivered = 0;
    delivered < TOTAL * 0.2 || !victimFired();
    delivered = await count('SELECT count(*) AS n FROM deliveries')
  ) {
    await sleep(5);
  }
  victim.child.kill('SIGKILL');
  expect(await victim.exited).toBe('SIGKILL');
  const deliveredAtKill = await count('SELECT count(*) AS n FROM deliveries');
  expect(deliveredAtKill, 'the kill came too late to be mid-way').toBeLessThan(TOTAL);

  for (
    const deadline = Date.now() + 60_000;
    await count(`SELECT count(*) AS n FROM campaigns WHERE status <> 'sent'`);
  ) {
    if (Date.now() > deadline) throw new Error('the surviving workers did not finish');
    await sleep(20);
  }

  // SIGTERM: the survivors let go and exit cleanly.
  for (const worker of world.workers.slice(1)) worker.child.kill('SIGTERM');
  expect(await Promise.all(world.workers.slice(1).map((w) => w.exited))).toEqual([0, 0]);
  // (pino may reorder lines written while stdout was a full pipe: look for it, not at the end.)
  for (const worker of world.workers.slice(1)) expect(worker.logs.map((l) => l.msg)).toContain('stopped');

  expect(await count('SELECT count(*) AS n FROM deliveries')).toBe(TOTAL);
  expect(await count('SELECT count(DISTINCT (campaign_id, step_id)) AS n FROM deliveries')).toBe(TOTAL);
  expect(
    await count(
      `SELECT count(*) AS n FROM campaigns WHERE status = 'sent' AND sent_at IS NOT NULL AND next_due_at IS NULL`,
    ),
  ).toBe(CAMPAIGNS);
  // Positions 0..STEPS-1 per campaign, each fired at or after its due time, in order.
  expect(
    await count(`SELECT count(*) AS n FROM (
      SELECT campaign_id FROM deliveries GROUP BY campaign_id
      HAVING array_agg(position ORDER BY position) <> (SELECT array_agg(p) FROM generate_series(0, ${STEPS - 1}) p)
          OR bool_or(fired_at < due_at)) bad`),
  ).toBe(0);

  // Every process's sender saw each delivery at most once, and only recorded ones.
  const handed = world.workers.flatMap((w) =>
    w.logs.filter((l) => l.msg === 'step fired').map((l) => String(l.delivery_id)),
  );
  expect(new Set(handed).size).toBe(handed.length);
  const recorded = new Set(
    (await world.admin.query<{ id: string }>('SELECT id FROM deliveries')).rows.map((r) => r.id),
  );
  expect(handed.every((id) => recorded.has(id))).toBe(true);
  // Only the victim's firings in flight at the SIGKILL (a batch per lane) can have committed without
  // reaching its sender; they wait in the outbox for the hand-off grace period (the hand-off test).
  expect(handed.length).toBeGreaterThanOrEqual(TOTAL - LANES * BATCH * STEPS);

  // Nothing left behind: no worker session, no lock.
  expect(
    await count(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    ),
  ).toBe(0);
});
