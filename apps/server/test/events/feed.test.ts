import { randomBytes } from 'node:crypto';
import type { FeedEvent, FeedPage } from '@campaigns/contract';
import { Dispatcher } from '@campaigns/core';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingLogger, RecordingSender } from '../dispatch/support';
import { createCampaign, expectErrorBody, stepsPath } from '../support/campaigns';
import { TEST_JWT_SECRET } from '../support/harness';
import { type Spawned, startServerProcess } from '../support/processes';
import { restClient } from '../support/rest';
import { useTestServer } from '../support/use-test-server';

// API.md, "Events": the audit trail as an event feed (events.list), and the live stream on both
// surfaces (REST text/event-stream, tRPC campaigns.onEvent), in commit order with nothing skipped.

const EVENTS = '/v1/messaging/events';
const harness = useTestServer({}, { brand: 'brand_feed', sub: 'user_feed' });

const list = async (query: Record<string, string> = {}, as = harness.token) => {
  const response = await harness.rest<FeedPage>('GET', `${EVENTS}?${new URLSearchParams(query)}`, {
    token: as,
  });
  expect(response.status, response.text).toBe(200);
  return response.body;
};

/** A live REST stream: its messages as they come, and a way to stop reading. */
async function openStream(headers: Record<string, string> = {}, query = '', as = harness.token) {
  const abort = new AbortController();
  const response = await fetch(`${harness.server.url}${EVENTS}/stream${query}`, {
    headers: { authorization: `Bearer ${as}`, ...headers },
    signal: abort.signal,
  });
  const messages: Array<{ id: string; event: FeedEvent }> = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (id && data) messages.push({ id, event: JSON.parse(data) as FeedEvent });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    response,
    messages,
    close: async () => {
      abort.abort();
      await reading;
    },
  };
}

const poll = <T>(read: () => T | Promise<T>, timeout = 5_000) => expect.poll(read, { timeout, interval: 50 });

describe('events.list', () => {
  it('pages every change as an event, in order, with one payload shape', async () => {
    const before = await list();
    const campaign = await createCampaign(harness.rest, harness.token, {
      name: 'Feed me',
      segment_id: 'seg_feed',
    });
    const step = await harness.rest('POST', stepsPath(campaign.id), {
      token: harness.token,
      body: { position: 0, template_id: 'tpl_feed', template_version_id: 'v1' },
    });
    expect(step.status).toBe(201);
    await harness.rest('PATCH', `/v1/messaging/campaigns/${campaign.id}`, {
      token: harness.token,
      body: { name: 'Fed' },
    });

    const page = await list(before.next_cursor ? { cursor: before.next_cursor } : {});
    expect(page.items.map((event) => event.type)).toEqual([
      'campaign.created',
      'step.added',
      'campaign.updated',
    ]);
    const [created, added, updated] = page.items;
    expect(created).toMatchObject({
      brand_id: 'brand_feed',
      actor: { type: 'user', id: 'user_feed' },
      data: { campaign: { id: campaign.id, name: 'Feed me' } },
    });
    expect(created?.id).toMatch(/^evt_/);
    // A step event carries the step and the campaign as it was then (its updated_at moved with the step).
    expect(added?.data.step).toMatchObject({ template_id: 'tpl_feed', position: 0 });
    expect(added?.data.campaign).toMatchObject({
      id: campaign.id,
      name: 'Feed me',
      updated_at: added?.created_at,
    });
    expect(updated?.data.campaign).toMatchObject({ name: 'Fed' });

    // next_cursor is where to continue even after the last page: later events come after it.
    expect((await list({ cursor: page.next_cursor! })).items).toEqual([]);
    await harness.rest('POST', `/v1/messaging/campaigns/${campaign.id}/cancel`, { token: harness.token });
    expect((await list({ cursor: page.next_cursor! })).items.map((event) => event.type)).toEqual([
      'campaign.cancelled',
    ]);
    // One campaign's only; another brand sees none of it.
    expect((await list({ campaign_id: campaign.id })).items).toHaveLength(4);
    const other = await harness.server.token({ brand: 'brand_feed_other' });
    expect((await list({}, other)).items).toEqual([]);
  });

  it('includes the dispatcher’s work: sending, each fired step, sent', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    for (const position of [0, 1]) {
      await harness.rest('POST', stepsPath(campaign.id), {
        token: harness.token,
        body: { position, template_id: `tpl_${position}`, template_version_id: 'v1' },
      });
    }
    const when = new Date(Date.now() + 60_000);
    await harness.rest('POST', `/v1/messaging/campaigns/${campaign.id}/schedule`, {
      token: harness.token,
      body: { scheduled_at: when.toISOString() },
    });
    const dispatcher = new Dispatcher({
      db: harness.server.db,
      clock: { now: () => new Date(when.getTime() + 1_000) },
      sender: new RecordingSender(),
      logger: new RecordingLogger(),
    });
    await dispatcher.tick();
    const events = (await list({ campaign_id: campaign.id })).items;
    expect(events.map((event) => event.type).slice(-4)).toEqual([
      'campaign.sending',
      'delivery.fired',
      'delivery.fired',
      'campaign.sent',
    ]);
    const fired = events.filter((event) => event.type === 'delivery.fired');
    expect(fired.map((event) => event.data.delivery?.position)).toEqual([0, 1]);
    expect(fired[0]).toMatchObject({ actor: { type: 'system', id: 'dispatcher' } });
  });

  it('refuses a tampered cursor with 400', async () => {
    const response = await harness.rest('GET', `${EVENTS}?cursor=bm9wZQ`, { token: harness.token });
    expectErrorBody(response, 400, 'validation_failed');
  });
});

describe('commit order, nothing skipped', () => {
  it('a reader that saw a later-started, earlier-committed event still gets the earlier-started one', async () => {
    const brand = `brand_skip_${randomBytes(4).toString('hex')}`;
    const reader = await harness.server.token({ brand });
    const first = new pg.Client({ connectionString: harness.server.databaseUrl });
    const second = new pg.Client({ connectionString: harness.server.databaseUrl });
    await Promise.all([first.connect(), second.connect()]);
    const insert = (client: pg.Client, name: string) =>
      client.query(
        `INSERT INTO audit_events (id, brand_id, campaign_id, action, actor_type, actor, after, occurred_at)
         VALUES ($1, $2, 'cmp_00000000000000000000000000000001', 'campaign.created', 'user', 'u', $3, now())`,
        [`evt_${randomBytes(16).toString('hex')}`, brand, JSON.stringify({ name })],
      );
    const stream = await openStream({}, '', reader);
    try {
      // The first transaction starts (and writes) first, and commits last.
      await first.query('BEGIN');
      await insert(first, 'started first');
      await second.query('BEGIN');
      await insert(second, 'started second');
      await second.query('COMMIT');
      // Committed, but behind a transaction still running: not yet in the feed (no reader can pass it).
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await list({}, reader)).items).toEqual([]);
      expect(stream.messages).toEqual([]);
      await first.query('COMMIT');
      const names = () => stream.messages.map((m) => m.event.data.campaign?.name);
      await poll(names).toEqual(['started first', 'started second']);
      expect((await list({}, reader)).items.map((event) => event.data.campaign?.name)).toEqual([
        'started first',
        'started second',
      ]);
    } finally {
      await stream.close();
      await Promise.all([first.end(), second.end()]);
    }
  });
});

describe('the REST stream (text/event-stream)', () => {
  it('delivers events as they commit, and resumes after Last-Event-ID with nothing skipped or repeated', async () => {
    const stream = await openStream();
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const campaign = await createCampaign(harness.rest, harness.token, {
      name: 'Live',
      segment_id: 'seg_live',
    });
    await poll(() => stream.messages.map((m) => m.event.type)).toContain('campaign.created');
    const seen = stream.messages.at(-1)!;
    expect(seen.id).toBe(seen.event.id);
    expect(seen.event.data.campaign).toMatchObject({ id: campaign.id });
    await stream.close();

    // While nobody listens, three more changes.
    for (const name of ['One', 'Two', 'Three']) {
      await harness.rest('PATCH', `/v1/messaging/campaigns/${campaign.id}`, {
        token: harness.token,
        body: { name },
      });
    }
    const resumed = await openStream({ 'last-event-id': seen.id }, `?campaign_id=${campaign.id}`);
    try {
      await poll(() => resumed.messages.map((m) => m.event.data.campaign?.name)).toEqual([
        'One',
        'Two',
        'Three',
      ]);
    } finally {
      await resumed.close();
    }
  });

  it('shows a brand only its own events', async () => {
    const stream = await openStream();
    const other = await harness.server.token({ brand: 'brand_feed_elsewhere' });
    try {
      await createCampaign(harness.rest, other, { name: 'Not yours', segment_id: 's' });
      const mine = await createCampaign(harness.rest, harness.token, { name: 'Yours', segment_id: 's' });
      await poll(() => stream.messages.some((m) => m.event.data.campaign?.id === mine.id)).toBe(true);
      expect(stream.messages.every((m) => m.event.brand_id === 'brand_feed')).toBe(true);
    } finally {
      await stream.close();
    }
  });

  it('lets one token hold at most 10 streams open at once (429 too_many_streams), and frees a slot on disconnect', async () => {
    const greedy = await harness.server.token({ brand: 'brand_feed_greedy' });
    const streams = [];
    for (let k = 0; k < 10; k++) streams.push(await openStream({}, '', greedy));
    expect(streams.every((stream) => stream.response.status === 200)).toBe(true);
    const refused = await fetch(`${harness.server.url}${EVENTS}/stream`, {
      headers: { authorization: `Bearer ${greedy}` },
    });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({
      error: 'rate_limited',
      details: { reason: 'too_many_streams', limit: 10 },
    });
    await streams.pop()!.close();
    await poll(async () => {
      const again = await openStream({}, '', greedy);
      const status = again.response.status;
      await again.close();
      return status;
    }).toBe(200);
    for (const stream of streams) await stream.close();
  });

  it('refuses before streaming: no token is 401, an unknown Last-Event-ID is 400, both in the error shape', async () => {
    const anonymous = await fetch(`${harness.server.url}${EVENTS}/stream`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: 'unauthorized' });
    const unknown = await fetch(`${harness.server.url}${EVENTS}/stream`, {
      headers: {
        authorization: `Bearer ${harness.token}`,
        'last-event-id': 'evt_00000000000000000000000000000000',
      },
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'validation_failed' });
  });
});

describe('the tRPC subscription (campaigns.onEvent)', () => {
  it('streams the brand’s events to the typed client over SSE, the token in the header', async () => {
    const client = harness.server.client(harness.token);
    const received: FeedEvent[] = [];
    const subscription = client.campaigns.onEvent.subscribe(
      {},
      { onData: (tracked) => received.push(tracked.data), onError: () => undefined },
    );
    try {
      // The subscription starts at the end of the feed: wait until it is connected.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const campaign = await client.campaigns.create.mutate({ name: 'Over tRPC', segment_id: 's' });
      await poll(() => received.map((event) => event.data.campaign?.id)).toContain(campaign.id);
      expect(received.every((event) => event.brand_id === 'brand_feed')).toBe(true);
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe('across processes', () => {
  let other: { url: string; server: Spawned } | undefined;
  afterAll(() => other?.server.kill());

  it('an event committed by another server process reaches this one’s stream within a second', async () => {
    other = await startServerProcess({
      DATABASE_URL: harness.server.databaseUrl,
      JWT_SECRET: TEST_JWT_SECRET,
      DISPATCHER: 'off',
      LOG_LEVEL: 'warn',
    });
    const stream = await openStream();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      const created = await restClient(other.url)<{ id: string }>('POST', '/v1/messaging/campaigns', {
        token: harness.token,
        body: { name: 'From elsewhere', segment_id: 's' },
      });
      expect(created.status).toBe(201);
      await poll(
        () => stream.messages.some((m) => m.event.data.campaign?.id === created.body.id),
        2_000,
      ).toBe(true);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await stream.close();
    }
  }, 60_000);
});
