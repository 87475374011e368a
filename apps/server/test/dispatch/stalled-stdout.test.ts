import { expect, it } from 'vitest';
import { seedDueCampaigns, spawnWorker, useWorkerDatabase } from './support';

// The default sender's hand-off is a log line on stdout, and the dispatcher clears the sender's outbox
// right after it. When nobody reads stdout (a full pipe: a stuck log shipper) and the worker is then
// SIGKILLed, every delivery cleared from the outbox must have its line in the pipe. A line the worker
// only buffered in memory would be a hand-off lost for good.

const CAMPAIGNS = 300;
const STEPS = 5;

const world = useWorkerDatabase();

const count = async (sql: string): Promise<number> =>
  Number((await world.admin.query<{ n: string }>(sql)).rows[0]!.n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('a worker whose stdout nobody reads, then SIGKILLed, has lost no hand-off', {
  timeout: 90_000,
}, async () => {
  const worker = spawnWorker(world.url);
  world.workers.push(worker);
  await worker.waitForLog('dispatcher started', 60_000);

  // Stop reading: the pipe (64 KiB) fills after some 150 lines; 1,500 steps write about ten times that.
  worker.child.stdout?.pause();
  await seedDueCampaigns(world.admin, {
    campaigns: CAMPAIGNS,
    steps: STEPS,
    dueAt: new Date(Date.now() - 1_000),
  });

  // Until nothing more is recorded for a while (stalled on the pipe, or everything fired).
  let recorded = -1;
  for (let now = await count('SELECT count(*) AS n FROM deliveries'); now !== recorded; ) {
    recorded = now;
    await sleep(1_000);
    now = await count('SELECT count(*) AS n FROM deliveries');
  }
  expect(recorded, 'the worker fired nothing').toBeGreaterThan(0);
  worker.child.kill('SIGKILL');
  worker.child.stdout?.resume();
  expect(await worker.exited).toBe('SIGKILL');

  const handed = new Set(worker.logs.filter((l) => l.msg === 'step fired').map((l) => String(l.delivery_id)));
  const cleared = (
    await world.admin.query<{ id: string }>(
      `SELECT d.id FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM sender_outbox o WHERE o.delivery_id = d.id)`,
    )
  ).rows.map((r) => r.id);
  expect(cleared.length, 'nothing was handed off before the pipe filled').toBeGreaterThan(0);
  expect(cleared.filter((id) => !handed.has(id))).toEqual([]);
});
