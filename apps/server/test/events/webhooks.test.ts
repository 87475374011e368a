import type { FeedEvent, Webhook, WebhookAttemptPage, WebhookWithSecret } from '@campaigns/contract';
import { WebhookWorker } from '@campaigns/core';
import { Webhook as Verifier } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { createCampaign, expectErrorBody, expectValidationIssueAt } from '../support/campaigns';
import { useTestServer } from '../support/use-test-server';
import { startReceiver } from '../support/webhooks';

// API.md, "Webhooks": endpoints on both surfaces, Standard Webhooks signatures (verified with the
// standardwebhooks package), retries that keep the webhook-id, attempts, SSRF rules. Receivers are
// real HTTP servers on loopback.

const WEBHOOKS = '/v1/messaging/webhooks';

const harness = useTestServer({}, { brand: 'brand_hooks', sub: 'user_hooks' });
const receivers: Array<{ close: () => Promise<void> }> = [];

afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
});

const worker = (options: { retryScheduleMs?: number[]; timeoutMs?: number } = {}) =>
  new WebhookWorker({ db: harness.server.db, allowPrivateUrls: true, retryScheduleMs: [300], ...options });

async function createWebhook(body: object, as = harness.token) {
  const response = await harness.rest<WebhookWithSecret>('POST', WEBHOOKS, { token: as, body });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

/** Runs ticks until `done` holds (deliveries are asynchronous). */
async function runUntil(hooks: WebhookWorker, done: () => boolean, timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error('timed out waiting for deliveries');
    await hooks.tick();
    await hooks.settle();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('webhook endpoints', () => {
  it('are created with a secret shown once, listed, read, updated and removed, per brand', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const created = await createWebhook({
      url: receiver.url,
      events: ['campaign.created'],
      description: 'CRM',
    });
    expect(created.secret).toMatch(/^whsec_/);
    expect(created).toMatchObject({ status: 'enabled', disabled_reason: null, events: ['campaign.created'] });
    const got = await harness.rest<Webhook>('GET', `${WEBHOOKS}/${created.id}`, { token: harness.token });
    expect(got.body).not.toHaveProperty('secret');
    const listed = await harness.rest<{ items: Webhook[] }>('GET', WEBHOOKS, { token: harness.token });
    expect(listed.body.items.map((item) => item.id)).toContain(created.id);

    const updated = await harness.rest<Webhook>('PATCH', `${WEBHOOKS}/${created.id}`, {
      token: harness.token,
      body: { events: ['*'], status: 'disabled' },
    });
    expect(updated.body).toMatchObject({ events: ['*'], status: 'disabled' });

    const other = await harness.server.token({ brand: 'brand_hooks_other' });
    expectErrorBody(
      await harness.rest('GET', `${WEBHOOKS}/${created.id}`, { token: other }),
      404,
      'not_found',
    );
    const viaTrpc = await harness.server.client(other).webhooks.list.query();
    expect(viaTrpc.items).toEqual([]);

    expect((await harness.rest('DELETE', `${WEBHOOKS}/${created.id}`, { token: harness.token })).status).toBe(
      200,
    );
    expectErrorBody(
      await harness.rest('GET', `${WEBHOOKS}/${created.id}`, { token: harness.token }),
      404,
      'not_found',
    );
  });

  it('need the webhooks scopes, and a brand has at most 20', async () => {
    const campaignsOnly = await harness.server.token({
      brand: 'brand_hooks_scopes',
      scopes: ['messaging:campaigns:read', 'messaging:campaigns:write'],
    });
    expectErrorBody(await harness.rest('GET', WEBHOOKS, { token: campaignsOnly }), 403, 'forbidden');
    const readOnly = await harness.server.token({
      brand: 'brand_hooks_limit',
      scopes: ['messaging:webhooks:read'],
    });
    expectErrorBody(
      await harness.rest('POST', WEBHOOKS, {
        token: readOnly,
        body: { url: 'https://example.com/h', events: ['*'] },
      }),
      403,
      'forbidden',
    );
    const writer = await harness.server.token({ brand: 'brand_hooks_limit' });
    for (let k = 0; k < 20; k++)
      await createWebhook({ url: `https://example.com/h${k}`, events: ['*'] }, writer);
    expectErrorBody(
      await harness.rest('POST', WEBHOOKS, {
        token: writer,
        body: { url: 'https://example.com/h21', events: ['*'] },
      }),
      412,
      'bad_state',
      { reason: 'limit_reached', limit: 20 },
    );
  });
});

describe('SSRF rules', () => {
  const strict = useTestServer({ allowPrivateWebhookUrls: false });

  it('refuse http, loopback, private and metadata addresses unless WEBHOOK_ALLOW_PRIVATE_URLS', async () => {
    const strictRest = strict.rest;
    const writer = strict.token;
    for (const url of [
      'http://example.com/hook',
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.7/hook',
      'https://[::1]/hook',
    ]) {
      const response = await strictRest('POST', WEBHOOKS, { token: writer, body: { url, events: ['*'] } });
      expectValidationIssueAt(response, ['url']);
    }
    expect(
      (
        await strictRest('POST', WEBHOOKS, {
          token: writer,
          body: { url: 'https://example.com/h', events: ['*'] },
        })
      ).status,
    ).toBe(201);
  });
});

describe('delivery', () => {
  it('POSTs each subscribed event, signed per Standard Webhooks (verified by the standardwebhooks package)', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const hook = await createWebhook({ url: receiver.url, events: ['campaign.created', 'campaign.updated'] });
    const hooks = worker();
    await hooks.tick(); // fan-out starts after what is already in the feed
    const campaign = await createCampaign(harness.rest, harness.token, { name: 'Hooked', segment_id: 's' });
    await harness.rest('POST', `/v1/messaging/campaigns/${campaign.id}/cancel`, { token: harness.token }); // not subscribed
    await runUntil(hooks, () => receiver.received.length >= 1);

    const [request] = receiver.received;
    const payload = new Verifier(hook.secret).verify(
      request!.body,
      request!.headers as Record<string, string>,
    ) as FeedEvent;
    expect(payload).toMatchObject({
      type: 'campaign.created',
      brand_id: 'brand_hooks',
      data: { campaign: { id: campaign.id } },
    });
    expect(request!.headers['webhook-id']).toBe(payload.id);
    await hooks.tick();
    await hooks.settle();
    expect(receiver.received).toHaveLength(1);

    const attempts = await harness.rest<WebhookAttemptPage>('GET', `${WEBHOOKS}/${hook.id}/attempts`, {
      token: harness.token,
    });
    expect(attempts.body.items[0]).toMatchObject({
      event_id: payload.id,
      attempt: 1,
      status_code: 204,
      error: null,
      next_retry_at: null,
    });
  });

  it('retries a failed delivery later with the same webhook-id, recording every attempt', async () => {
    let failing = true;
    const receiver = await startReceiver(() => (failing ? 503 : 200));
    receivers.push(receiver);
    const hook = await createWebhook({ url: receiver.url, events: ['campaign.created'] });
    const hooks = worker({ retryScheduleMs: [300, 300] });
    await hooks.tick();
    await createCampaign(harness.rest, harness.token);
    await runUntil(hooks, () => receiver.received.length >= 1);
    const attempts = await harness.rest<WebhookAttemptPage>('GET', `${WEBHOOKS}/${hook.id}/attempts`, {
      token: harness.token,
    });
    expect(attempts.body.items[0]).toMatchObject({ attempt: 1, status_code: 503, error: 'HTTP 503' });
    expect(attempts.body.items[0]?.next_retry_at).not.toBeNull();

    failing = false;
    await runUntil(hooks, () => receiver.received.length >= 2);
    const [first, second] = receiver.received;
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    const after = await harness.rest<WebhookAttemptPage>('GET', `${WEBHOOKS}/${hook.id}/attempts`, {
      token: harness.token,
    });
    expect(after.body.items.map((a) => [a.attempt, a.status_code])).toEqual([
      [2, 200],
      [1, 503],
    ]);
  });

  it('gives up after the last retry, and a resend delivers it again', async () => {
    const receiver = await startReceiver(() => 500);
    receivers.push(receiver);
    const hook = await createWebhook({ url: receiver.url, events: ['campaign.created'] });
    const hooks = worker({ retryScheduleMs: [100] });
    await hooks.tick();
    await createCampaign(harness.rest, harness.token);
    await runUntil(hooks, () => receiver.received.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await hooks.tick();
    await hooks.settle();
    expect(receiver.received).toHaveLength(2);
    const attempts = await harness.rest<WebhookAttemptPage>('GET', `${WEBHOOKS}/${hook.id}/attempts`, {
      token: harness.token,
    });
    expect(attempts.body.items[0]).toMatchObject({ attempt: 2, next_retry_at: null });

    const resent = await harness.rest<{ event_id: string }>(
      'POST',
      `${WEBHOOKS}/${hook.id}/attempts/${attempts.body.items[0]!.id}/resend`,
      { token: harness.token },
    );
    expect(resent.status).toBe(202);
    await runUntil(hooks, () => receiver.received.length >= 3);
    expect(receiver.received[2]!.headers['webhook-id']).toBe(resent.body.event_id);
  });

  it('sends a test event to one endpoint only, and signs with the old secret too for a day after a rotation', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const hook = await createWebhook({ url: receiver.url, events: ['campaign.sent'] });
    const rotated = await harness.rest<WebhookWithSecret>('POST', `${WEBHOOKS}/${hook.id}/rotate-secret`, {
      token: harness.token,
    });
    expect(rotated.body.secret).not.toBe(hook.secret);
    const sent = await harness.rest<{ event_id: string }>('POST', `${WEBHOOKS}/${hook.id}/test`, {
      token: harness.token,
    });
    expect(sent.status).toBe(202);
    const hooks = worker();
    await runUntil(hooks, () => receiver.received.length >= 1);
    const [request] = receiver.received;
    const headers = request!.headers as Record<string, string>;
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    for (const secret of [hook.secret, rotated.body.secret]) {
      expect(new Verifier(secret).verify(request!.body, headers)).toMatchObject({
        type: 'webhook.test',
        id: sent.body.event_id,
      });
    }
    // Not part of the feed.
    const feed = await harness.rest<{ items: FeedEvent[] }>('GET', '/v1/messaging/events?limit=200', {
      token: harness.token,
    });
    expect(feed.body.items.some((event) => event.id === sent.body.event_id)).toBe(false);
  });

  it('disables an endpoint that has failed continuously for 5 days, and enabling it again clears that', async () => {
    const receiver = await startReceiver(() => 500);
    receivers.push(receiver);
    const hook = await createWebhook({ url: receiver.url, events: ['campaign.created'] });
    let now = Date.now();
    const clock = { now: () => new Date(now) };
    const hooks = new WebhookWorker({
      db: harness.server.db,
      clock,
      allowPrivateUrls: true,
      retryScheduleMs: [1, 1, 1],
    });
    await hooks.tick();
    await createCampaign(harness.rest, harness.token);
    await runUntil(hooks, () => receiver.received.length >= 1);
    const failingSince = await harness.server.db.webhookEndpoint.findUniqueOrThrow({
      where: { id: hook.id },
    });
    expect(failingSince.failingSince).not.toBeNull();
    expect(failingSince.status).toBe('enabled');
    // Five days and a minute later, still failing: disabled, with the reason.
    now += 5 * 24 * 60 * 60 * 1000 + 60_000;
    await runUntil(hooks, () => receiver.received.length >= 2);
    const disabled = await harness.rest<Webhook>('GET', `${WEBHOOKS}/${hook.id}`, { token: harness.token });
    expect(disabled.body).toMatchObject({
      status: 'disabled',
      disabled_reason: 'Every delivery failed for 5 days',
    });
    const enabled = await harness.rest<Webhook>('PATCH', `${WEBHOOKS}/${hook.id}`, {
      token: harness.token,
      body: { status: 'enabled' },
    });
    expect(enabled.body).toMatchObject({ status: 'enabled', disabled_reason: null });
  });

  it('a slow endpoint does not delay another’s events', async () => {
    const slow = await startReceiver(() => null); // never answers
    const fast = await startReceiver();
    receivers.push(slow, fast);
    await createWebhook({ url: slow.url, events: ['campaign.created'] });
    await createWebhook({ url: fast.url, events: ['campaign.created'] });
    const hooks = worker({ timeoutMs: 10_000 });
    await hooks.tick();
    await createCampaign(harness.rest, harness.token);
    const started = Date.now();
    while (fast.received.length === 0 && Date.now() - started < 5_000) {
      await hooks.tick();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(fast.received).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(slow.received).toHaveLength(1); // still waiting for its answer
  });
});
