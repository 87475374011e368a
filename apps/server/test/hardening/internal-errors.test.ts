import { randomBytes } from 'node:crypto';
import { createCampaignsClient, isCampaignsClientError } from '@campaigns/client';
import { withAdminClient } from '@campaigns/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { startTestServer, type TestServer } from '../support/harness';
import { restClient } from '../support/rest';

// docs/hardening.md, Unexpected errors: a 500 is logged with the request id and its cause; the answer
// says only `internal` and the request id, on REST and on tRPC.

const CAMPAIGNS = '/v1/messaging/campaigns';
const missingId = () => `cmp_${randomBytes(16).toString('hex')}`;

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  err?: { message?: string; type?: string };
}

const lines: LogLine[] = [];
let server: TestServer;
let token: string;

beforeAll(async () => {
  const logger = createLogger('error', {
    write: (line: string) => {
      lines.push(JSON.parse(line) as LogLine);
    },
  });
  server = await startTestServer({ logger });
  token = await server.token();
  // The database disappears under the server: every query now fails in the driver.
  const name = decodeURIComponent(new URL(server.databaseUrl).pathname.slice(1));
  await withAdminClient(inject('campaignsDbAdminUrl'), async (client) => {
    await client.query(`DROP DATABASE ${client.escapeIdentifier(name)} WITH (FORCE)`);
  });
});
afterAll(() => server?.close());

const loggedFor = (requestId: string) =>
  lines.filter((line) => line.requestId === requestId && line.msg === 'unexpected error');

describe('500 internal', () => {
  it('REST: body {internal, request_id}; the log line has the request id and the cause', async () => {
    const response = await restClient(server.url)('POST', CAMPAIGNS, {
      token,
      body: { name: 'x', segment_id: 's' },
      headers: { 'x-request-id': 'req-rest-500', 'idempotency-key': 'k-500' },
    });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      error: 'internal',
      message: 'Internal server error',
      details: { request_id: 'req-rest-500' },
    });
    const logged = loggedFor('req-rest-500');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.err?.message).toEqual(expect.any(String));
  });

  it('tRPC: INTERNAL_SERVER_ERROR, message only "Internal server error", details.request_id, no stack', async () => {
    const fetchWithId: typeof fetch = (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), 'x-request-id': 'req-trpc-500' },
      });
    const client = createCampaignsClient({ url: server.url, token, batch: false, fetch: fetchWithId });
    const outcome = await client.campaigns.get.query({ id: missingId() }).catch((error: unknown) => error);
    if (!isCampaignsClientError(outcome)) throw new Error('expected a client error');
    expect(outcome.message).toBe('Internal server error');
    expect(outcome.data?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(outcome.data?.error).toBe('internal');
    expect(outcome.data?.details).toEqual({ request_id: 'req-trpc-500' });
    const text = JSON.stringify(outcome.shape);
    expect(text).not.toMatch(/stack|\n\s+at |prisma|SELECT/i);
    expect(loggedFor('req-trpc-500')).toHaveLength(1);
  });
});
