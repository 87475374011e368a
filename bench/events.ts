/**
 * `pnpm bench:events`: webhook deliveries per second to a loopback receiver, and commit → receiver
 * latency. Not a test: figures for docs/events.md, on this machine, with default settings (fsync on).
 *
 * 1. Throughput: BENCH_EVENTS (default 4,000) events already committed, fanned out to ENDPOINTS
 *    endpoints (default 4, all events each), delivered by 1 and then 2 WebhookWorker instances (each
 *    with its own pool, as two processes would have); deliveries per second until all are delivered.
 * 2. Latency: events committed at 200/s for 10 s with 1 worker running; the receiver notes, for each,
 *    the time from the event's commit to its arrival; p50 and p99.
 * BENCH_DATABASE_URL as for `pnpm bench`.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookWorker } from '@campaigns/core';
import { createPrismaClient } from '@campaigns/db';
import { connect, envInt, gitCommit, machine, openBenchDatabase } from './lib';

const EVENTS = envInt('BENCH_EVENTS', 4_000);
const ENDPOINTS = envInt('BENCH_ENDPOINTS', 4);
const log = (line: string) => process.stderr.write(`${line}\n`);

const database = await openBenchDatabase('bench_events', { fsync: true });
const db = await connect(database.url);
const arrivals: Array<{ id: string; at: number }> = [];
const receiver = createServer((request, response) => {
  const id = String(request.headers['webhook-id']);
  request.resume();
  request.on('end', () => {
    arrivals.push({ id, at: Date.now() });
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const insertEvents = async (count: number, brand: string) => {
  await db.query(
    `INSERT INTO audit_events (id, brand_id, campaign_id, action, actor_type, actor, after, occurred_at)
     SELECT 'evt_' || md5(random()::text || g), $1, 'cmp_00000000000000000000000000000001', 'campaign.created',
            'user', 'bench', '{}', now()
       FROM generate_series(1, $2) AS g`,
    [brand, count],
  );
};
const delivered = async () =>
  Number(
    (await db.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivered'`))
      .rows[0]!.n,
  );

async function throughput(workers: number, brand: string) {
  for (let k = 0; k < ENDPOINTS; k++) {
    await db.query(
      `INSERT INTO webhook_endpoints (id, brand_id, url, events, secret, created_at, updated_at)
       VALUES ($1, $2, $3, ARRAY['*'], 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now(), now())`,
      [`whk_${randomBytes(16).toString('hex')}`, brand, url],
    );
  }
  const before = await delivered();
  await insertEvents(EVENTS, brand);
  const clients = Array.from({ length: workers }, () => createPrismaClient(database.url, { poolMax: 4 }));
  const running = clients.map(
    (client) => new WebhookWorker({ db: client, allowPrivateUrls: true, pollIntervalMs: 5 }),
  );
  const started = performance.now();
  for (const worker of running) worker.start();
  const target = before + EVENTS * ENDPOINTS;
  let last = -1;
  let stalled = performance.now();
  for (let done = await delivered(); done < target; done = await delivered()) {
    if (done !== last) {
      last = done;
      stalled = performance.now();
    } else if (performance.now() - stalled > 20_000) {
      throw new Error(`stalled at ${done - before} of ${EVENTS * ENDPOINTS} deliveries`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(running.map((worker) => worker.stop()));
  await Promise.all(clients.map((client) => client.$disconnect()));
  return {
    workers,
    deliveries: EVENTS * ENDPOINTS,
    seconds: Number(seconds.toFixed(2)),
    per_second: Math.round((EVENTS * ENDPOINTS) / seconds),
  };
}

async function latency() {
  const brand = 'brand_latency';
  await db.query(
    `INSERT INTO webhook_endpoints (id, brand_id, url, events, secret, created_at, updated_at)
     VALUES ($1, $2, $3, ARRAY['*'], 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now(), now())`,
    [`whk_${randomBytes(16).toString('hex')}`, brand, url],
  );
  const client = createPrismaClient(database.url, { poolMax: 4 });
  const worker = new WebhookWorker({
    db: client,
    allowPrivateUrls: true,
    pollIntervalMs: 20,
    concurrency: 16,
  });
  worker.start();
  const committed = new Map<string, number>();
  const rate = 200;
  const seconds = 10;
  for (let k = 0; k < rate * seconds; k++) {
    const id = `evt_${randomBytes(16).toString('hex')}`;
    await db.query(
      `INSERT INTO audit_events (id, brand_id, campaign_id, action, actor_type, actor, after, occurred_at)
       VALUES ($1, $2, 'cmp_00000000000000000000000000000001', 'campaign.created', 'user', 'bench', '{}', now())`,
      [id, brand],
    );
    committed.set(id, Date.now());
    await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
  }
  const deadline = Date.now() + 30_000;
  const seen = () => arrivals.filter((arrival) => committed.has(arrival.id));
  while (seen().length < committed.size && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  await worker.stop();
  await client.$disconnect();
  const delays = seen()
    .map((arrival) => arrival.at - committed.get(arrival.id)!)
    .sort((a, b) => a - b);
  const at = (q: number) => delays[Math.min(delays.length - 1, Math.floor(delays.length * q))] ?? null;
  return { events_per_second: rate, seconds, delivered: delays.length, p50_ms: at(0.5), p99_ms: at(0.99) };
}

try {
  const one = await throughput(1, 'brand_one');
  log(`1 worker: ${JSON.stringify(one)}`);
  const two = await throughput(2, 'brand_two');
  log(`2 workers: ${JSON.stringify(two)}`);
  const lat = await latency();
  log(`latency: ${JSON.stringify(lat)}`);
  process.stdout.write(
    `${JSON.stringify({ benchmark: 'events', at: new Date().toISOString(), commit: gitCommit(), machine: machine(), endpoints: ENDPOINTS, throughput: [one, two], latency: lat }, null, 2)}\n`,
  );
} finally {
  receiver.close();
  await db.end();
  await database.close();
}
