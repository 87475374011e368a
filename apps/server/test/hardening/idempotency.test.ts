import { randomUUID } from 'node:crypto';
import { isCampaignsClientError, withIdempotencyKey } from '@campaigns/client';
import type { Clock } from '@campaigns/core';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/harness';
import { type RestResponse, restClient } from '../support/rest';
import { useTestServer } from '../support/use-test-server';

// API.md, Idempotency; docs/hardening.md: a retry with the same Idempotency-Key, brand and body gets the
// first response back without the work being done again; concurrent retries run it once (the others are
// 409 `idempotency_key_in_progress` while it runs); another body is 409 `idempotency_key_reused`.

const CAMPAIGNS = '/v1/messaging/campaigns';
const DAY_MS = 24 * 60 * 60 * 1000;

/** System time plus an offset the tests can move: keys expire without waiting a day. */
class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const clock = new ShiftedClock();
const harness = useTestServer(
  { clock, http: { idempotencyPurgeIntervalMs: null } },
  { brand: 'brand_idem', sub: 'user_idem' },
);

const newKey = () => `key-${randomUUID()}`;

const createBody = (name = 'Idempotent') => ({ name, segment_id: 'seg_1' });

function post(
  path: string,
  key: string | undefined,
  body?: unknown,
  as = harness.token,
): Promise<RestResponse> {
  return harness.rest('POST', path, {
    token: as,
    ...(body !== undefined ? { body } : {}),
    ...(key !== undefined ? { headers: { 'idempotency-key': key } } : {}),
  });
}

const campaignsNamed = (name: string, brandId = 'brand_idem') =>
  harness.server.db.campaign.count({ where: { name, brandId } });

const keyRow = (key: string, brandId = 'brand_idem') =>
  harness.server.db.idempotencyKey.findUnique({ where: { brandId_key: { brandId, key } } });

async function newDraft(): Promise<string> {
  const created = await post(CAMPAIGNS, undefined, createBody(`draft-${randomUUID()}`));
  expect(created.status).toBe(201);
  return (created.body as { id: string }).id;
}

const stepBody = (position = 0) => ({ position, template_id: 'tpl', template_version_id: 'tplv' });

describe('a retry with the same key and body (REST)', () => {
  it('create: the same 201 and byte-identical body, and one campaign in the database', async () => {
    const key = newKey();
    const name = `create-${key}`;
    const first = await post(CAMPAIGNS, key, createBody(name));
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const retry = await post(CAMPAIGNS, key, createBody(name));
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await campaignsNamed(name)).toBe(1);

    // Key order of the body does not make it another request.
    const reordered = await post(CAMPAIGNS, key, { segment_id: 'seg_1', name });
    expect(reordered.status).toBe(201);
    expect(reordered.text).toBe(first.text);
    expect(await campaignsNamed(name)).toBe(1);

    const row = await keyRow(key);
    expect(row).toMatchObject({ procedure: 'campaigns.create', succeeded: true, lockedUntil: null });
    expect(row?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.expiresAt.getTime()).toBe((row?.createdAt.getTime() ?? 0) + DAY_MS);
  });

  it('addStep: 201 replayed, the step is not added twice', async () => {
    const id = await newDraft();
    const key = newKey();
    const first = await post(`${CAMPAIGNS}/${id}/steps`, key, stepBody());
    expect(first.status).toBe(201);
    const retry = await post(`${CAMPAIGNS}/${id}/steps`, key, stepBody());
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    expect(await harness.server.db.step.count({ where: { campaignId: id } })).toBe(1);
  });

  it('schedule, unschedule and cancel: 200 replayed, the state is not changed again', async () => {
    const id = await newDraft();
    expect((await post(`${CAMPAIGNS}/${id}/steps`, undefined, stepBody())).status).toBe(201);
    const at = { scheduled_at: new Date(Date.now() + 3_600_000).toISOString() };

    const scheduleKey = newKey();
    const scheduled = await post(`${CAMPAIGNS}/${id}/schedule`, scheduleKey, at);
    expect(scheduled.status).toBe(200);
    const unscheduled = await post(`${CAMPAIGNS}/${id}/unschedule`, newKey());
    expect(unscheduled.status).toBe(200);
    // Replaying the schedule does not schedule the (now draft) campaign again.
    const replayed = await post(`${CAMPAIGNS}/${id}/schedule`, scheduleKey, at);
    expect(replayed.status).toBe(200);
    expect(replayed.text).toBe(scheduled.text);
    expect((await harness.server.db.campaign.findUniqueOrThrow({ where: { id } })).status).toBe('draft');

    const cancelKey = newKey();
    const cancelled = await post(`${CAMPAIGNS}/${id}/cancel`, cancelKey);
    expect(cancelled.status).toBe(200);
    const cancelledAgain = await post(`${CAMPAIGNS}/${id}/cancel`, cancelKey);
    // Without the key a second cancel is 412; with it, the first answer.
    expect(cancelledAgain.status).toBe(200);
    expect(cancelledAgain.text).toBe(cancelled.text);
    expect((await post(`${CAMPAIGNS}/${id}/cancel`, undefined)).status).toBe(412);
  });

  it('a domain error (412) is stored and replayed too, even after the state changed', async () => {
    const id = await newDraft();
    const key = newKey();
    const at = { scheduled_at: new Date(Date.now() + 3_600_000).toISOString() };
    const first = await post(`${CAMPAIGNS}/${id}/schedule`, key, at);
    expect(first.status).toBe(412);
    expect(first.body).toMatchObject({ error: 'bad_state', details: { reason: 'no_steps' } });

    expect((await post(`${CAMPAIGNS}/${id}/steps`, undefined, stepBody())).status).toBe(201);
    const retry = await post(`${CAMPAIGNS}/${id}/schedule`, key, at);
    expect(retry.status).toBe(412);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await harness.server.db.campaign.findUniqueOrThrow({ where: { id } })).status).toBe('draft');
  });

  it('input that fails validation is not stored: the key stays free for the corrected request', async () => {
    const key = newKey();
    const invalid = await post(CAMPAIGNS, key, { name: '', segment_id: 'seg_1' });
    expect(invalid.status).toBe(400);
    expect(await keyRow(key)).toBeNull();
    const name = `corrected-${key}`;
    const corrected = await post(CAMPAIGNS, key, createBody(name));
    expect(corrected.status).toBe(201);
    expect(await campaignsNamed(name)).toBe(1);
  });
});

describe('the same key with a different request', () => {
  it('another body ⇒ 409 conflict, reason idempotency_key_reused, nothing done', async () => {
    const key = newKey();
    const name = `reused-${key}`;
    expect((await post(CAMPAIGNS, key, createBody(name))).status).toBe(201);
    const other = await post(CAMPAIGNS, key, createBody(`${name}-other`));
    expect(other.status).toBe(409);
    expect(other.body).toEqual({
      error: 'conflict',
      message: expect.any(String),
      details: { reason: 'idempotency_key_reused' },
    });
    expect(await campaignsNamed(`${name}-other`)).toBe(0);
  });

  it('another operation (path) with the key ⇒ 409 reused', async () => {
    const id = await newDraft();
    const key = newKey();
    expect((await post(`${CAMPAIGNS}/${id}/cancel`, key)).status).toBe(200);
    const other = await post(`${CAMPAIGNS}/${id}/unschedule`, key);
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ details: { reason: 'idempotency_key_reused' } });
  });

  it('another brand with the same key is independent', async () => {
    const key = newKey();
    const otherToken = await harness.server.token({ brand: 'brand_idem_other', sub: 'user_other' });
    const mine = await post(CAMPAIGNS, key, createBody('brands'));
    const theirs = await post(CAMPAIGNS, key, createBody('brands'), otherToken);
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect((theirs.body as { id: string }).id).not.toBe((mine.body as { id: string }).id);
    expect((theirs.body as { brand_id: string }).brand_id).toBe('brand_idem_other');
    expect(await campaignsNamed('brands', 'brand_idem_other')).toBe(1);
    // And a different body under that brand is still judged against that brand's own first request.
    expect((await post(CAMPAIGNS, key, createBody('brands'), otherToken)).status).toBe(201);
  });
});

describe('concurrent retries', () => {
  it('10 at once with one key: one campaign; every answer is its 201 or 409 in progress', async () => {
    const key = newKey();
    const name = `race-${key}`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post(CAMPAIGNS, key, createBody(name))),
    );
    expect(await campaignsNamed(name)).toBe(1);

    const created = answers.filter((answer) => answer.status === 201);
    const busy = answers.filter((answer) => answer.status === 409);
    expect(created.length + busy.length, answers.map((a) => `${a.status} ${a.text}`).join('\n')).toBe(10);
    expect(created.length).toBeGreaterThanOrEqual(1);
    // Every 201 is the one campaign, byte for byte.
    expect(new Set(created.map((answer) => answer.text)).size).toBe(1);
    for (const answer of busy) {
      expect(answer.body).toMatchObject({
        error: 'conflict',
        details: { reason: 'idempotency_key_in_progress' },
      });
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    // Once it finished, every retry gets the first answer.
    const after = await post(CAMPAIGNS, key, createBody(name));
    expect(after.status).toBe(201);
    expect(after.text).toBe(created[0]?.text);
  });

  it('10 addStep at once with one key: one step', async () => {
    const id = await newDraft();
    const key = newKey();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post(`${CAMPAIGNS}/${id}/steps`, key, stepBody())),
    );
    expect(answers.every((answer) => answer.status === 201 || answer.status === 409)).toBe(true);
    expect(await harness.server.db.step.count({ where: { campaignId: id } })).toBe(1);
  });

  it('a claim left by a crashed process (lease passed) is taken over by the same request', async () => {
    const key = newKey();
    const name = `crashed-${key}`;
    // First, a claim with no response, as a process that died mid-request leaves it.
    const first = await post(CAMPAIGNS, key, createBody(name));
    expect(first.status).toBe(201);
    await harness.server.db.$executeRaw`
      UPDATE idempotency_keys
         SET succeeded = NULL, response_body = NULL, locked_until = now() + interval '1 minute'
       WHERE key = ${key}`;
    const busy = await post(CAMPAIGNS, key, createBody(name));
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ details: { reason: 'idempotency_key_in_progress' } });
    // A different request is still refused as reuse, lease or not.
    await harness.server.db
      .$executeRaw`UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = ${key}`;
    expect((await post(CAMPAIGNS, key, createBody(`${name}-x`))).status).toBe(409);
    const takenOver = await post(CAMPAIGNS, key, createBody(name));
    expect(takenOver.status).toBe(201);
    expect((await keyRow(key))?.succeeded).toBe(true);
  });
});

describe('expiry', () => {
  it('after 24 hours a key is new again, and the purge deletes expired keys', async () => {
    const key = newKey();
    const name = `expiring-${key}`;
    const first = await post(CAMPAIGNS, key, createBody(name));
    expect(first.status).toBe(201);

    clock.offsetMs = DAY_MS - 60_000;
    try {
      expect((await post(CAMPAIGNS, key, createBody(name))).text).toBe(first.text);
      clock.offsetMs = DAY_MS + 1_000;
      // Expired: the key is reused for a new request (here another body; it is not a conflict).
      const again = await post(CAMPAIGNS, key, createBody(`${name}-later`));
      expect(again.status).toBe(201);
      expect(await campaignsNamed(`${name}-later`)).toBe(1);
    } finally {
      clock.offsetMs = 0;
    }
  });

  it('the server purges expired keys on its interval', async () => {
    const purging = await startTestServer({ http: { idempotencyPurgeIntervalMs: 50 } });
    try {
      const purgingToken = await purging.token({ brand: 'brand_purge' });
      const response = await restClient(purging.url)('POST', CAMPAIGNS, {
        token: purgingToken,
        body: createBody('purge'),
        headers: { 'idempotency-key': 'purge-me' },
      });
      expect(response.status).toBe(201);
      await restClient(purging.url)('POST', CAMPAIGNS, {
        token: purgingToken,
        body: createBody('keep'),
        headers: { 'idempotency-key': 'keep-me' },
      });
      await purging.db
        .$executeRaw`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'purge-me'`;
      await expect
        .poll(() => purging.db.idempotencyKey.findMany({ select: { key: true } }), { timeout: 5_000 })
        .toEqual([{ key: 'keep-me' }]);
    } finally {
      await purging.close();
    }
  });
});

describe('the key itself', () => {
  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
  ])('%s ⇒ 400 validation_failed on the header, nothing created', async (_label, key) => {
    const name = `badkey-${randomUUID()}`;
    const response = await post(CAMPAIGNS, key, createBody(name));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: 'validation_failed',
      details: { issues: [{ path: ['Idempotency-Key'], message: expect.any(String) }] },
    });
    expect(await campaignsNamed(name)).toBe(0);
  });

  it('255 characters is accepted', async () => {
    expect((await post(CAMPAIGNS, 'k'.repeat(255), createBody('long key'))).status).toBe(201);
  });

  it('GET ignores the header', async () => {
    const response = await harness.rest('GET', CAMPAIGNS, {
      token: harness.token,
      headers: { 'idempotency-key': '' },
    });
    expect(response.status).toBe(200);
  });
});

describe('tRPC', () => {
  it('a mutation with a key (withIdempotencyKey) is replayed: same result, no second campaign', async () => {
    const client = harness.server.client(harness.token, { batch: true });
    const key = newKey();
    const name = `trpc-${key}`;
    const input = { name, segment_id: 'seg_1' };
    const first = await client.campaigns.create.mutate(input, withIdempotencyKey(key));
    const retry = await client.campaigns.create.mutate(input, withIdempotencyKey(key));
    expect(retry).toEqual(first);
    expect(await campaignsNamed(name)).toBe(1);

    // The same key over REST with the same input is the same request: the same campaign.
    const overRest = await post(CAMPAIGNS, key, input);
    expect(overRest.status).toBe(201);
    expect(overRest.body).toEqual(first);

    // Another input ⇒ CONFLICT with the contract's reason in the typed error data.
    const reused = await client.campaigns.create
      .mutate({ ...input, name: `${name}-other` }, withIdempotencyKey(key))
      .catch((error: unknown) => error);
    if (!isCampaignsClientError(reused)) throw new Error('expected a client error');
    expect(reused.data?.code).toBe('CONFLICT');
    expect(reused.data?.error).toBe('conflict');
    expect(reused.data?.details).toEqual({ reason: 'idempotency_key_reused' });
  });

  it('the header on a raw tRPC POST replays the exact response', async () => {
    const key = newKey();
    const send = () =>
      fetch(`${harness.server.url}/trpc/campaigns.create`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${harness.token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({ json: { name: `raw-${key}`, segment_id: 's' } }),
      });
    const first = await send();
    const firstText = await first.text();
    const retry = await send();
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(await retry.text()).toBe(firstText);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await campaignsNamed(`raw-${key}`)).toBe(1);
  });

  it('calls without a key are not affected', async () => {
    const client = harness.server.client(harness.token);
    const name = `nokey-${randomUUID()}`;
    await client.campaigns.create.mutate({ name, segment_id: 's' });
    await client.campaigns.create.mutate({ name, segment_id: 's' });
    expect(await campaignsNamed(name)).toBe(2);
  });
});
