import { isCampaignsClientError } from '@campaigns/client';
import { Dispatcher, type DispatcherOptions } from '@campaigns/core';
import { createPrismaClient } from '@campaigns/db';
import pg from 'pg';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock';
import { useTestServer } from '../support/use-test-server';
import { RecordingLogger, RecordingSender, seedDueCampaigns } from './support';

// The dispatcher against the real server and database, with time under the test's control: each test
// starts on its own day, so earlier tests' campaigns are long due and flushed before it begins.

interface DeliveryBody {
  id: string;
  campaign_id: string;
  step_id: string;
  position: number;
  due_at: string;
  fired_at: string;
}
interface CampaignBody {
  id: string;
  status: string;
  sent_at: string | null;
  cancelled_at: string | null;
  updated_at: string;
}

const CAMPAIGNS = '/v1/messaging/campaigns';
const DAY = 86_400_000;
let day = Date.parse('2030-01-01T09:00:00.000Z');
/** An instant `minutes` after the current test's start. */
const at = (minutes: number) => new Date(day + minutes * 60_000);

const clock = new TestClock(day);
const sender = new RecordingSender();
const logger = new RecordingLogger();
const harness = useTestServer({ clock });
let dispatcher: Dispatcher;
const dispatcherWith = (options: Partial<DispatcherOptions> = {}) =>
  new Dispatcher({ db: harness.server.db, clock, sender, logger, ...options });

beforeAll(async () => {
  dispatcher = dispatcherWith();
});

beforeEach(async () => {
  day += DAY;
  clock.set(at(0));
  await dispatcher.tick();
  sender.sent.length = 0;
  logger.lines.length = 0;
});

async function createCampaign(delays: number[], fields: object = {}): Promise<string> {
  const created = await harness.rest<CampaignBody>('POST', CAMPAIGNS, {
    token: harness.token,
    body: { name: 'Dispatch', segment_id: 'seg_1', ...fields },
  });
  expect(created.status).toBe(201);
  for (const [position, delay] of delays.entries()) {
    const step = await harness.rest('POST', `${CAMPAIGNS}/${created.body.id}/steps`, {
      token: harness.token,
      body: {
        position,
        template_id: `tpl_${position}`,
        template_version_id: 'tplv_1',
        delay_minutes: delay,
        variables: { n: position },
      },
    });
    expect(step.status).toBe(201);
  }
  return created.body.id;
}

async function post(id: string, action: 'schedule' | 'unschedule' | 'cancel', body?: object) {
  const response = await harness.rest<CampaignBody>('POST', `${CAMPAIGNS}/${id}/${action}`, {
    token: harness.token,
    body: body ?? {},
  });
  expect(response.status, response.text).toBe(200);
  return response.body;
}
const schedule = (id: string, when: Date) => post(id, 'schedule', { scheduled_at: when.toISOString() });

async function campaign(id: string): Promise<CampaignBody> {
  const response = await harness.rest<CampaignBody>('GET', `${CAMPAIGNS}/${id}`, { token: harness.token });
  expect(response.status).toBe(200);
  return response.body;
}

async function deliveries(id: string): Promise<DeliveryBody[]> {
  const response = await harness.rest<{ items: DeliveryBody[] }>('GET', `${CAMPAIGNS}/${id}/deliveries`, {
    token: harness.token,
  });
  expect(response.status, response.text).toBe(200);
  return response.body.items;
}
const firedPositions = async (id: string) => (await deliveries(id)).map((d) => d.position);

/** Ticks at `instant`. */
async function tickAt(instant: Date) {
  clock.set(instant);
  return dispatcher.tick();
}

describe('firing', () => {
  it('fires each step at its planned time inside the send window, in the window’s zone', async () => {
    // The test day starts at 09:00Z = 04:00 in New York (EST): the window opens at 09:00 local = 14:00Z.
    const sendWindow = {
      time_zone: 'America/New_York',
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      start: '09:00',
      end: '10:00',
    };
    const id = await createCampaign([0, 30, 60], { send_window: sendWindow });
    expect((await campaign(id)) as unknown).toMatchObject({ send_window: sendWindow });
    await schedule(id, at(1));

    // scheduled_at has come but the window is closed: still scheduled, nothing fired.
    await tickAt(at(1));
    expect((await campaign(id)).status).toBe('scheduled');
    await tickAt(new Date(at(300).getTime() - 1));
    expect(await deliveries(id)).toEqual([]);

    await tickAt(at(300));
    expect((await campaign(id)).status).toBe('sending');
    await tickAt(at(330));
    expect(await firedPositions(id)).toEqual([0, 1]);
    // Step 2 is planned at 10:30 local, after the window: the next day's opening, not 15:30Z.
    await tickAt(at(390));
    expect(await firedPositions(id)).toEqual([0, 1]);
    await tickAt(at(300 + 24 * 60));
    expect((await campaign(id)).status).toBe('sent');
    expect((await deliveries(id)).map((d) => d.due_at)).toEqual([
      at(300).toISOString(),
      at(330).toISOString(),
      at(300 + 24 * 60).toISOString(),
    ]);
  });

  it('fires zero-delay and delayed steps in order at scheduled_at + the delays so far, then is sent', async () => {
    const id = await createCampaign([0, 5, 0, 10]);
    await schedule(id, at(1));

    await tickAt(new Date(at(1).getTime() - 1));
    expect((await campaign(id)).status).toBe('scheduled');
    expect(await deliveries(id)).toEqual([]);

    await tickAt(at(1));
    expect((await campaign(id)).status).toBe('sending');
    expect(await firedPositions(id)).toEqual([0]);

    await tickAt(new Date(at(6).getTime() - 1));
    expect(await firedPositions(id)).toEqual([0]);
    await tickAt(at(6));
    expect(await firedPositions(id)).toEqual([0, 1, 2]);
    expect((await campaign(id)).status).toBe('sending');

    await tickAt(at(16));
    const sent = await campaign(id);
    expect(sent).toMatchObject({
      status: 'sent',
      sent_at: at(16).toISOString(),
      updated_at: at(16).toISOString(),
    });

    const items = await deliveries(id);
    const steps = (
      await harness.rest<{ items: Array<{ id: string }> }>('GET', `${CAMPAIGNS}/${id}/steps`, {
        token: harness.token,
      })
    ).body.items;
    expect(items.map(({ id: _id, ...rest }) => rest)).toEqual(
      [1, 6, 6, 16].map((minute, position) => ({
        campaign_id: id,
        step_id: steps[position]!.id,
        position,
        due_at: at(minute).toISOString(),
        fired_at: at(minute).toISOString(),
      })),
    );
    for (const item of items)
      expect(Object.keys(item).sort()).toEqual([
        'campaign_id',
        'due_at',
        'fired_at',
        'id',
        'position',
        'step_id',
      ]);
    expect(new Set(items.map((d) => d.id)).size).toBe(4);

    // The sender got each delivery once, in order, with what a channel needs.
    expect(sender.sent.map((s) => s.delivery)).toEqual(items);
    expect(sender.sent[1]).toMatchObject({
      brandId: 'brand_test',
      segmentId: 'seg_1',
      templateId: 'tpl_1',
      variables: { n: 1 },
    });

    // Nothing fires twice, however often or late the dispatcher looks again.
    await tickAt(at(600));
    expect(await deliveries(id)).toEqual(items);
    expect(sender.sent).toHaveLength(4);
  });

  it('lists deliveries over tRPC exactly as over REST, and 404s what the caller cannot see', async () => {
    const id = await createCampaign([0, 0]);
    await schedule(id, at(1));
    await tickAt(at(1));
    const client = harness.server.client(harness.token);
    expect(await client.campaigns.listDeliveries.query({ id })).toEqual({ items: await deliveries(id) });

    const stranger = await harness.server.token({ brand: 'brand_other' });
    for (const target of [id, 'cmp_00000000000000000000000000000000', 'not-an-id']) {
      const response = await harness.rest<{ error: string }>('GET', `${CAMPAIGNS}/${target}/deliveries`, {
        token: target === id ? stranger : harness.token,
      });
      expect(response.status).toBe(404);
      expect(response.body.error).toBe('not_found');
    }
    const error = await harness.server
      .client(stranger)
      .campaigns.listDeliveries.query({ id })
      .catch((e: unknown) => e);
    expect(isCampaignsClientError(error) && error.data?.code).toBe('NOT_FOUND');

    const writeOnly = await harness.server.token({ scopes: ['messaging:campaigns:write'] });
    const forbidden = await harness.rest<{ error: string }>('GET', `${CAMPAIGNS}/${id}/deliveries`, {
      token: writeOnly,
    });
    expect([forbidden.status, forbidden.body.error]).toEqual([403, 'forbidden']);
    expect((await harness.rest('GET', `${CAMPAIGNS}/${id}/deliveries`)).status).toBe(401);
  });

  it('sends a campaign found late, keeping the scheduled due times, and logs the lateness', async () => {
    const id = await createCampaign([0, 5]);
    await schedule(id, at(1));
    await tickAt(at(61));
    expect((await campaign(id)).status).toBe('sent');
    expect((await deliveries(id)).map((d) => [d.due_at, d.fired_at])).toEqual([
      [at(1).toISOString(), at(61).toISOString()],
      [at(6).toISOString(), at(61).toISOString()],
    ]);
    const warning = logger.lines.find((l) => l.msg?.startsWith('campaign found late'));
    expect(warning).toMatchObject({ level: 'warn', obj: { campaign_id: id, lateness_ms: 60 * 60_000 } });
  });

  it('cancels instead, with the reason logged, when found later than the maximum lateness', async () => {
    const strict = dispatcherWith({ maxLatenessMs: 5 * 60_000 });
    const late = await createCampaign([0]);
    const onTime = await createCampaign([0]);
    await schedule(late, at(1));
    await schedule(onTime, at(5));
    clock.set(at(10));
    await strict.tick();

    expect(await campaign(late)).toMatchObject({ status: 'cancelled', cancelled_at: at(10).toISOString() });
    expect(await deliveries(late)).toEqual([]);
    expect(
      logger.lines.find((l) => l.obj && (l.obj as { campaign_id?: string }).campaign_id === late),
    ).toMatchObject({
      level: 'warn',
      obj: { reason: 'max_lateness_exceeded', lateness_ms: 9 * 60_000, max_lateness_ms: 5 * 60_000 },
    });
    expect((await campaign(onTime)).status).toBe('sent');
    const trail = await harness.rest<{ items: Array<{ action: string; actor: string }> }>(
      'GET',
      `${CAMPAIGNS}/${late}/events`,
      {
        token: harness.token,
      },
    );
    expect(trail.body.items.at(-1)).toMatchObject({ action: 'campaign.cancelled', actor: 'dispatcher' });
  });

  it('writes its own status changes to the audit trail, as the system actor `dispatcher`', async () => {
    const oneGo = await createCampaign([0]);
    const twoGoes = await createCampaign([0, 5]);
    for (const id of [oneGo, twoGoes]) await schedule(id, at(1));
    const scheduled = await campaign(oneGo);
    await tickAt(at(1));
    await tickAt(at(6));

    const events = async (id: string) => {
      const response = await harness.rest<{
        items: Array<{
          action: string;
          actor_type: string;
          actor: string;
          before: { status: string } | null;
          after: { status?: string; position?: number };
        }>;
      }>('GET', `${CAMPAIGNS}/${id}/events`, { token: harness.token });
      expect(response.status).toBe(200);
      return response.body.items
        .filter((e) => e.actor_type === 'system')
        .map((e) =>
          e.action === 'delivery.fired'
            ? [e.action, e.actor, e.after.position]
            : [e.action, e.actor, e.before?.status, e.after.status],
        );
    };
    // Started and finished in one firing: it still passed through `sending`; each fired step is recorded.
    expect(await events(oneGo)).toEqual([
      ['campaign.sending', 'dispatcher', 'scheduled', 'sending'],
      ['delivery.fired', 'dispatcher', 0],
      ['campaign.sent', 'dispatcher', 'sending', 'sent'],
    ]);
    expect(await events(twoGoes)).toEqual([
      ['campaign.sending', 'dispatcher', 'scheduled', 'sending'],
      ['delivery.fired', 'dispatcher', 0],
      ['delivery.fired', 'dispatcher', 1],
      ['campaign.sent', 'dispatcher', 'sending', 'sent'],
    ]);
    // The snapshots are the Campaign as the API showed it before and after.
    const trail = await harness.rest<{ items: Array<{ before: unknown; after: unknown }> }>(
      'GET',
      `${CAMPAIGNS}/${oneGo}/events`,
      {
        token: harness.token,
      },
    );
    // …, campaign.sending, delivery.fired, campaign.sent
    expect(trail.body.items.at(-3)?.before).toEqual(scheduled);
    expect(trail.body.items.at(-1)?.after).toEqual(await campaign(oneGo));
  });

  it('records a delivery once and never changes it (the database refuses)', async () => {
    const id = await createCampaign([0]);
    await schedule(id, at(1));
    await tickAt(at(1));
    const [delivery] = await deliveries(id);
    await expect(
      harness.server.db
        .$executeRaw`UPDATE deliveries SET fired_at = fired_at + interval '1 second' WHERE id = ${delivery!.id}`,
    ).rejects.toThrow(/immutable/);
    await expect(
      harness.server.db.delivery.create({
        data: {
          ...{ id: 'dlv_dup', campaignId: id, stepId: delivery!.step_id, position: 0 },
          dueAt: at(1),
          firedAt: at(1),
        },
      }),
    ).rejects.toThrow(/Unique constraint/);
  });
});

describe('hand-off to the sender: at least once, through the outbox', () => {
  it('a failing sender gets the same delivery again later, until it takes it', async () => {
    const id = await createCampaign([0]);
    await schedule(id, at(1));
    const taken: string[] = [];
    let failures = 1;
    const flaky = {
      async send(request: { delivery: { id: string } }) {
        if (failures-- > 0) throw new Error('channel down');
        taken.push(request.delivery.id);
      },
    };
    const withFlakySender = dispatcherWith({ sender: flaky, retryAfterErrorMs: 60_000 });
    clock.set(at(1));
    await withFlakySender.tick();
    expect(taken).toEqual([]);
    // Retried once its retry time has come, with the same delivery (the channel's idempotency key).
    clock.set(at(3));
    expect((await withFlakySender.tick()).handedOffAgain).toBe(1);
    const [delivery] = await deliveries(id);
    expect(taken).toEqual([delivery!.id]);
    clock.set(at(10));
    expect((await withFlakySender.tick()).handedOffAgain).toBe(0);
  });

  it('a process that dies between commit and hand-off loses nothing: another one hands it off', async () => {
    const id = await createCampaign([0, 0]);
    await schedule(id, at(1));
    // The first dispatcher commits the firing, then never hands off (as if SIGKILLed right after).
    const dead = dispatcherWith({
      sender: { send: () => new Promise<void>(() => undefined) },
      handOffGraceMs: 30_000,
    });
    clock.set(at(1));
    void dead.tick();
    await expect.poll(async () => (await deliveries(id)).length, { timeout: 5_000 }).toBe(2);
    const survivor = new RecordingSender();
    const other = dispatcherWith({ sender: survivor });
    clock.set(new Date(at(1).getTime() + 10_000));
    expect((await other.tick()).handedOffAgain).toBe(0); // within the first process's grace
    clock.set(new Date(at(1).getTime() + 31_000));
    expect((await other.tick()).handedOffAgain).toBe(2);
    expect(survivor.sent.map((request) => request.delivery.position).sort()).toEqual([0, 1]);
  });
});

describe('cancel, unschedule and reschedule win over pending work', () => {
  it('cancelled before its time: nothing ever fires', async () => {
    const id = await createCampaign([0, 1]);
    await schedule(id, at(1));
    await post(id, 'cancel');
    await tickAt(at(100));
    expect(await deliveries(id)).toEqual([]);
    expect((await campaign(id)).status).toBe('cancelled');
  });

  it('cancelled while sending: the steps not yet fired never fire', async () => {
    const id = await createCampaign([0, 1, 1]);
    await schedule(id, at(1));
    await tickAt(at(1));
    await post(id, 'cancel');
    await tickAt(at(100));
    expect(await firedPositions(id)).toEqual([0]);
    // The cancel came in the same millisecond as the dispatcher's start (the clock is frozen): its
    // version, and so cancelled_at, is 1 ms later (API.md: updated_at strictly increases).
    expect(await campaign(id)).toMatchObject({
      status: 'cancelled',
      cancelled_at: new Date(at(1).getTime() + 1).toISOString(),
      sent_at: null,
    });
  });

  it('unscheduled: nothing fires; rescheduled: only the new time counts', async () => {
    const unscheduled = await createCampaign([0]);
    const rescheduled = await createCampaign([0]);
    await schedule(unscheduled, at(1));
    await schedule(rescheduled, at(1));
    await post(unscheduled, 'unschedule');
    await schedule(rescheduled, at(30));

    await tickAt(at(10));
    expect((await campaign(unscheduled)).status).toBe('draft');
    expect(await deliveries(unscheduled)).toEqual([]);
    expect((await campaign(rescheduled)).status).toBe('scheduled');
    expect(await deliveries(rescheduled)).toEqual([]);

    await tickAt(at(30));
    expect((await deliveries(rescheduled)).map((d) => d.due_at)).toEqual([at(30).toISOString()]);
    expect(await deliveries(unscheduled)).toEqual([]);
  });

  it('a cancel that commits while a worker is about to fire: nothing fires', async () => {
    const id = await createCampaign([0, 0]);
    await schedule(id, at(1));
    clock.set(at(1)); // due, not fired yet
    // cancelCampaign reads the clock once, inside its transaction, after locking the campaign: the tick
    // started there races cancel's commit. Either it finds the row locked (SKIP LOCKED moves on) or,
    // once cancel committed, no longer due. Both ways nothing fires.
    let racingTick: ReturnType<Dispatcher['tick']> | undefined;
    clock.onNextNow = () => {
      if (new Error().stack?.includes('services/campaigns.ts')) racingTick = dispatcher.tick();
    };
    expect((await post(id, 'cancel')).status).toBe('cancelled');
    expect(racingTick, 'the clock was read before cancelCampaign locked the row').toBeDefined();
    await racingTick;
    await dispatcher.tick();
    expect(await deliveries(id)).toEqual([]);
    expect(sender.sent).toEqual([]);
  });

  it('a cancel that arrives while a worker holds the claim waits for it, then stops the rest', async () => {
    const id = await createCampaign([0, 0, 5]);
    await schedule(id, at(1));
    clock.set(at(1));
    let cancel: Promise<CampaignBody> | undefined;
    const claiming = dispatcherWith({
      afterClaim: async (claimed) => {
        if (claimed !== id || cancel) return;
        cancel = post(id, 'cancel');
        await waitForLockWaiter(harness.server.databaseUrl);
      },
    });
    await claiming.tick();
    expect((await cancel)?.status).toBe('cancelled');
    // What was due when the claim was taken fired as one unit; the cancel stopped the rest.
    expect(await firedPositions(id)).toEqual([0, 1]);
    await tickAt(at(100));
    expect(await firedPositions(id)).toEqual([0, 1]);
    expect((await campaign(id)).status).toBe('cancelled');
  });

  it('many cancels racing a tick: each campaign has all of its due steps or none, and nothing after', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, () => createCampaign([0, 1, 1])));
    for (const id of ids) await schedule(id, at(1));
    clock.set(at(2)); // steps 0 and 1 due, step 2 due at minute 3
    await Promise.all([dispatcher.tick(), ...ids.map((id) => post(id, 'cancel'))]);
    const fired = await Promise.all(ids.map(firedPositions));
    for (const positions of fired) expect([[], [0, 1]]).toContainEqual(positions);
    await tickAt(at(100));
    expect(await Promise.all(ids.map(firedPositions))).toEqual(fired);
    for (const id of ids) expect((await campaign(id)).status).toBe('cancelled');
  });
});

describe('several dispatchers and failures', () => {
  it('four dispatchers ticking at once fire every step exactly once', async () => {
    const admin = new pg.Client({ connectionString: harness.server.databaseUrl });
    await admin.connect();
    const clients = Array.from({ length: 4 }, () =>
      createPrismaClient(harness.server.databaseUrl, { poolMax: 3 }),
    );
    try {
      await seedDueCampaigns(admin, { campaigns: 60, steps: 3, dueAt: at(1), tag: `four-${day}` });
      clock.set(at(1));
      const results = await Promise.all(
        clients.map((db) => new Dispatcher({ db, clock, sender, concurrency: 3 }).tick()),
      );
      expect(results.reduce((sum, r) => sum + r.fired, 0)).toBe(180);
      expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(60);
      const { rows } = await admin.query<{ deliveries: number; sent: number }>(
        `SELECT (SELECT count(*)::int FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id WHERE c.brand_id = 'brand_load') AS deliveries,
                (SELECT count(*)::int FROM campaigns WHERE brand_id = 'brand_load' AND status = 'sent' AND sent_at IS NOT NULL) AS sent`,
      );
      expect(rows[0]).toEqual({ deliveries: 180, sent: 60 });
      expect(new Set(sender.sent.map((s) => s.delivery.id)).size).toBe(180);
    } finally {
      await Promise.all(clients.map((db) => db.$disconnect()));
      await admin.end();
    }
  });

  it('a failing sender leaves the delivery recorded (it is handed off again later: see hand-off)', async () => {
    const failing = dispatcherWith({
      sender: {
        send: async () => {
          throw new Error('channel down');
        },
      },
    });
    const id = await createCampaign([0]);
    await schedule(id, at(1));
    clock.set(at(1));
    await failing.tick();
    expect(await firedPositions(id)).toEqual([0]);
    expect((await campaign(id)).status).toBe('sent');
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      'sender failed; the delivery stays recorded and is handed off again later',
    ]);
  });

  it('a campaign that fails to fire is rolled back and set aside, and does not hold up the others', async () => {
    const broken = await createCampaign([0, 0]);
    const healthy = await createCampaign([0]);
    await schedule(broken, at(1));
    await schedule(healthy, at(2));
    // Corrupt the broken one: step 1 recorded without step 0 (the dispatcher refuses to fire around it).
    const steps = await harness.server.db.step.findMany({
      where: { campaignId: broken },
      orderBy: { position: 'asc' },
    });
    await harness.server.db.delivery.create({
      data: {
        id: 'dlv_corrupt',
        campaignId: broken,
        stepId: steps[1]!.id,
        position: 1,
        dueAt: at(1),
        firedAt: at(1),
      },
    });

    const result = await tickAt(at(2));
    expect(result.errors).toBe(1);
    expect((await campaign(healthy)).status).toBe('sent');
    expect((await campaign(broken)).status).toBe('scheduled');
    const row = await harness.server.db.campaign.findUniqueOrThrow({ where: { id: broken } });
    expect(row.nextDueAt).toEqual(new Date(at(2).getTime() + 30_000));
    expect(logger.lines.find((l) => l.level === 'error')).toMatchObject({
      msg: 'campaign cannot be fired; set aside, will retry',
      obj: { campaign_id: broken },
    });
    await harness.server.db.campaign.update({
      where: { id: broken },
      data: { status: 'cancelled', cancelledAt: at(2), nextDueAt: null },
    });
  });
});

describe('batches', () => {
  it('a database error in one campaign of a batch: the others fire, that one is set aside', async () => {
    const healthy = await Promise.all([createCampaign([0]), createCampaign([0])]);
    const broken = await createCampaign([0]);
    for (const id of [...healthy, broken]) await schedule(id, at(1));
    // A failure only the database sees (a trigger), so the whole batch's statement rolls back.
    const admin = new pg.Client({ connectionString: harness.server.databaseUrl });
    await admin.connect();
    const fn = `fail_${broken.slice(4, 12)}`;
    await admin.query(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.campaign_id = '${broken}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
    await admin.query(
      `CREATE TRIGGER ${fn} BEFORE INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    );
    try {
      clock.set(at(1));
      const result = await dispatcherWith({ batchSize: 10, concurrency: 1 }).tick();
      expect(result.errors).toBe(1);
      for (const id of healthy) expect((await campaign(id)).status).toBe('sent');
      expect((await campaign(broken)).status).toBe('scheduled');
      const row = await harness.server.db.campaign.findUniqueOrThrow({ where: { id: broken } });
      expect(row.nextDueAt).toEqual(new Date(at(1).getTime() + 30_000));
      expect(logger.lines.find((l) => l.level === 'error')).toMatchObject({
        msg: 'firing failed and was rolled back; will retry',
        obj: { campaign_id: broken },
      });
    } finally {
      await admin.query(`DROP TRIGGER ${fn} ON deliveries`);
      await admin.query(`DROP FUNCTION ${fn}()`);
      await admin.end();
      await harness.server.db.campaign.update({
        where: { id: broken },
        data: { status: 'cancelled', cancelledAt: at(2), nextDueAt: null },
      });
    }
  });
});

/** Resolves once some session of the test database waits for a row lock. */
async function waitForLockWaiter(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let i = 0; i < 500; i++) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (rows[0]!.n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('nobody waited for the lock');
  } finally {
    await client.end();
  }
}
