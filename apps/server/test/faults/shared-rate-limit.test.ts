import { signToken } from '@campaigns/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OwnDatabase, type Spawned, startOwnDatabase, startServerProcess } from '../support/processes';

// Issue 12 / docs/hardening.md, Rate limit: two server processes on one database share one token's
// allowance (within 10 %), and the limit fails open while the database is unreachable.

const JWT_SECRET = 'rate-test-secret-0123456789-0123456789';
const PER_MINUTE = 300;

let database: OwnDatabase;
const servers: Array<{ url: string; server: Spawned }> = [];

beforeAll(async () => {
  database = await startOwnDatabase();
  const env = {
    DATABASE_URL: database.url,
    JWT_SECRET,
    DISPATCHER: 'off',
    RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
    LOG_LEVEL: 'warn',
  };
  servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map(({ server }) => server.kill()));
  await database?.destroy();
});

describe('one allowance per token across processes', () => {
  it(`two servers together allow ${PER_MINUTE} calls a minute (±10 %), not twice that`, async () => {
    const token = await signToken(JWT_SECRET, { brandId: 'brand_rate', sub: 'user_rate' });
    const started = performance.now();
    const statuses: number[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < PER_MINUTE * 2; i = next++) {
        const { url } = servers[i % 2] ?? { url: '' };
        const response = await fetch(`${url}/v1/messaging/campaigns?limit=1`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    const elapsedSeconds = (performance.now() - started) / 1000;
    const allowed = statuses.filter((status) => status === 200).length;
    // The bucket holds PER_MINUTE calls and refills PER_MINUTE per minute while the test runs.
    const expected = PER_MINUTE + (elapsedSeconds * PER_MINUTE) / 60;
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    expect(allowed).toBeGreaterThanOrEqual(Math.floor(expected * 0.9));
    expect(allowed).toBeLessThanOrEqual(Math.ceil(expected * 1.1));
  });

  it('while the database is down the limit fails open: 503 unavailable, never 429 or 500', async () => {
    await database.stop();
    try {
      const token = await signToken(JWT_SECRET, { brandId: 'brand_rate', sub: 'user_outage' });
      for (const { url } of servers) {
        const response = await fetch(`${url}/v1/messaging/campaigns`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(503);
        expect(((await response.json()) as { error: string }).error).toBe('unavailable');
      }
    } finally {
      await database.start();
    }
  });
});
