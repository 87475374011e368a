import { isCampaignsClientError } from '@campaigns/client';
import {
  type Campaign,
  type CampaignEvent,
  type CampaignEventPage,
  SCOPES,
  type Step,
} from '@campaigns/contract';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CAMPAIGNS,
  campaignPath,
  ISO_UTC_MS,
  MISSING_CAMPAIGN,
  stepPath,
  stepsPath,
} from '../support/campaigns';
import { useTestServer } from '../support/use-test-server';

// docs/hardening.md, Audit trail: every change to a campaign or its steps appends exactly one event
// (who, what, before, after, when) in the change's own transaction; a refused change appends none;
// GET /v1/messaging/campaigns/{id}/events and campaigns.listEvents read the trail, oldest first.

const eventsPath = (id: string) => `${CAMPAIGNS}/${id}/events`;
const future = (minutes = 60) => new Date(Date.now() + minutes * 60_000).toISOString();
const STEP_BODY = { template_id: 'tpl_1', template_version_id: 'tplv_1' };

const harness = useTestServer();
let alice: string;
let bob: string;
let intruder: string;

beforeAll(async () => {
  [alice, bob, intruder] = await Promise.all([
    harness.server.token({ sub: 'user_alice' }),
    harness.server.token({ sub: 'user_bob' }),
    harness.server.token({ brand: 'brand_intruder', sub: 'user_mallory' }),
  ]);
});

async function events(id: string, token = alice): Promise<CampaignEvent[]> {
  const response = await harness.rest<CampaignEventPage>('GET', `${eventsPath(id)}?limit=100`, { token });
  expect(response.status, response.text).toBe(200);
  return response.body.items;
}

/** Runs a change and returns the one event it appended (and asserts it appended exactly one). */
async function oneEventOf(id: string, change: () => Promise<void>): Promise<CampaignEvent> {
  const before = await events(id);
  await change();
  const after = await events(id);
  expect(after.slice(0, before.length)).toEqual(before);
  expect(after).toHaveLength(before.length + 1);
  return after.at(-1) as CampaignEvent;
}

async function call<T>(
  method: string,
  path: string,
  token: string,
  body?: unknown,
  status = 200,
): Promise<T> {
  const response = await harness.rest<T>(method, path, { token, ...(body !== undefined ? { body } : {}) });
  expect(response.status, response.text).toBe(status);
  return response.body;
}

describe('REST: each change appends exactly one event with actor, before and after', () => {
  it('the whole lifecycle, step edits included', async () => {
    let campaign = await call<Campaign>(
      'POST',
      CAMPAIGNS,
      alice,
      { name: 'Audited', segment_id: 'seg_1' },
      201,
    );
    const id = campaign.id;
    const [created] = await events(id);
    expect(created).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
      campaign_id: id,
      step_id: null,
      action: 'campaign.created',
      actor_type: 'user',
      actor: 'user_alice',
      occurred_at: campaign.created_at,
      before: null,
      after: campaign,
    });

    let previous = campaign;
    let event = await oneEventOf(id, async () => {
      campaign = await call('PATCH', campaignPath(id), bob, { name: 'Audited, renamed', description: 'x' });
    });
    expect(event).toMatchObject({
      action: 'campaign.updated',
      actor: 'user_bob',
      step_id: null,
      before: previous,
      after: campaign,
    });
    expect(event.occurred_at).toBe(campaign.updated_at);
    expect(event.occurred_at).toMatch(ISO_UTC_MS);

    let first = {} as Step;
    event = await oneEventOf(id, async () => {
      first = await call('POST', stepsPath(id), alice, { position: 0, ...STEP_BODY }, 201);
    });
    expect(event).toMatchObject({
      action: 'step.added',
      actor: 'user_alice',
      step_id: first.id,
      before: null,
      after: first,
    });

    let second = {} as Step;
    event = await oneEventOf(id, async () => {
      second = await call('POST', stepsPath(id), alice, { position: 0, ...STEP_BODY, delay_minutes: 5 }, 201);
    });
    expect(event).toMatchObject({ action: 'step.added', step_id: second.id, after: second });

    // Moving a step: the event is about the moved step, its position before and after.
    const movedBefore = { ...second };
    let moved = {} as Step;
    event = await oneEventOf(id, async () => {
      moved = await call('PATCH', stepPath(id, second.id), bob, { position: 1, variables: { a: 1 } });
    });
    expect(event).toMatchObject({
      action: 'step.updated',
      actor: 'user_bob',
      step_id: second.id,
      before: movedBefore,
      after: moved,
    });
    expect(moved).toMatchObject({ position: 1, variables: { a: 1 } });

    const firstNow = (await call<{ items: Step[] }>('GET', stepsPath(id), alice)).items[0] as Step;
    event = await oneEventOf(id, async () => {
      await call('DELETE', stepPath(id, firstNow.id), alice);
    });
    expect(event).toMatchObject({
      action: 'step.removed',
      step_id: firstNow.id,
      before: firstNow,
      after: null,
    });

    for (const [method, suffix, action, body] of [
      ['POST', 'schedule', 'campaign.scheduled', { scheduled_at: future() }],
      ['POST', 'schedule', 'campaign.scheduled', { scheduled_at: future(120) }],
      ['POST', 'unschedule', 'campaign.unscheduled', undefined],
      ['POST', 'schedule', 'campaign.scheduled', { scheduled_at: future() }],
      ['POST', 'cancel', 'campaign.cancelled', undefined],
    ] as const) {
      previous = await call<Campaign>('GET', campaignPath(id), alice);
      event = await oneEventOf(id, async () => {
        campaign = await call(method, `${campaignPath(id)}/${suffix}`, bob, body);
      });
      expect(event).toMatchObject({
        action,
        actor: 'user_bob',
        step_id: null,
        before: previous,
        after: campaign,
      });
    }
    expect(campaign.status).toBe('cancelled');

    // Oldest first, all of it.
    expect((await events(id)).map((e) => e.action)).toEqual([
      'campaign.created',
      'campaign.updated',
      'step.added',
      'step.added',
      'step.updated',
      'step.removed',
      'campaign.scheduled',
      'campaign.scheduled',
      'campaign.unscheduled',
      'campaign.scheduled',
      'campaign.cancelled',
    ]);
  });

  it('reads change nothing', async () => {
    const { id } = await call<Campaign>(
      'POST',
      CAMPAIGNS,
      alice,
      { name: 'Read only', segment_id: 's' },
      201,
    );
    const before = await events(id);
    await call('GET', campaignPath(id), alice);
    await call('GET', stepsPath(id), alice);
    await call('GET', CAMPAIGNS, alice);
    expect(await events(id)).toEqual(before);
  });
});

describe('a refused change appends nothing (REST and tRPC)', () => {
  it('412s, 404s and 400s leave the trail as it was', async () => {
    const draft = await call<Campaign>('POST', CAMPAIGNS, alice, { name: 'Draft', segment_id: 's' }, 201);
    const step = await call<Step>('POST', stepsPath(draft.id), alice, { position: 0, ...STEP_BODY }, 201);
    const sent = await call<Campaign>('POST', CAMPAIGNS, alice, { name: 'Scheduled', segment_id: 's' }, 201);
    await call('POST', stepsPath(sent.id), alice, { position: 0, ...STEP_BODY }, 201);
    await call('POST', `${campaignPath(sent.id)}/schedule`, alice, { scheduled_at: future() });
    const empty = await call<Campaign>('POST', CAMPAIGNS, alice, { name: 'No steps', segment_id: 's' }, 201);
    const trails = async () => Promise.all([draft.id, sent.id, empty.id].map((id) => events(id)));
    const before = await trails();

    const refusals: Array<[string, string, unknown, number]> = [
      ['PATCH', campaignPath(sent.id), { name: 'x' }, 412],
      ['POST', stepsPath(sent.id), { position: 0, ...STEP_BODY }, 412],
      ['POST', `${campaignPath(empty.id)}/schedule`, { scheduled_at: future() }, 412],
      ['POST', `${campaignPath(draft.id)}/unschedule`, undefined, 412],
      ['POST', stepsPath(draft.id), { position: 5, ...STEP_BODY }, 412],
      ['PATCH', stepPath(draft.id, step.id), { position: 3 }, 412],
      [
        'POST',
        `${campaignPath(draft.id)}/schedule`,
        { scheduled_at: new Date(Date.now() - 1000).toISOString() },
        400,
      ],
      ['PATCH', campaignPath(draft.id), { name: '' }, 400],
      ['DELETE', stepPath(draft.id, 'stp_00000000000000000000000000000000'), undefined, 404],
    ];
    for (const [method, path, body, status] of refusals) await call(method, path, alice, body, status);
    // Another brand's attempts on the campaign: 404, nothing recorded.
    await call('PATCH', campaignPath(draft.id), intruder, { name: 'mine' }, 404);
    await call('POST', `${campaignPath(draft.id)}/cancel`, intruder, undefined, 404);

    const client = harness.server.client(alice);
    const trpcRefusals = [
      () => client.campaigns.update.mutate({ id: sent.id, name: 'x' }),
      () => client.campaigns.addStep.mutate({ id: sent.id, position: 0, ...STEP_BODY }),
      () => client.campaigns.schedule.mutate({ id: empty.id, scheduled_at: future() }),
      () => client.campaigns.unschedule.mutate({ id: draft.id }),
      () => client.campaigns.removeStep.mutate({ id: sent.id, step_id: step.id }),
    ];
    for (const refused of trpcRefusals) {
      const error = await refused().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCampaignsClientError(error) && error.data?.code).toMatch(/PRECONDITION_FAILED|NOT_FOUND/);
    }
    await call('POST', `${campaignPath(sent.id)}/cancel`, alice);
    await call('POST', `${campaignPath(sent.id)}/cancel`, alice, undefined, 412);
    const after = await trails();
    expect(after[0]).toEqual(before[0]);
    expect(after[2]).toEqual(before[2]);
    // Only the one successful cancel.
    expect(after[1]?.map((e) => e.action)).toEqual([
      ...(before[1] ?? []).map((e) => e.action),
      'campaign.cancelled',
    ]);
  });
});

describe('the event is written in the change’s transaction', () => {
  it('when the event cannot be written, the change is rolled back too (500, nothing changed)', async () => {
    const campaign = await call<Campaign>('POST', CAMPAIGNS, alice, { name: 'Atomic', segment_id: 's' }, 201);
    const admin = new pg.Client({ connectionString: harness.server.databaseUrl });
    await admin.connect();
    try {
      // Sabotage: the audit insert of a rename fails, after the rename itself was written.
      await admin.query(`
        CREATE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.action IN ('campaign.updated', 'campaign.created', 'step.added') THEN
            RAISE EXCEPTION 'audit sabotaged by the test';
          END IF;
          RETURN NEW;
        END; $$;
        CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_fail_audit();`);
      const renamed = await harness.rest('PATCH', campaignPath(campaign.id), {
        token: alice,
        body: { name: 'Renamed' },
      });
      expect(renamed.status).toBe(500);
      expect(await call<Campaign>('GET', campaignPath(campaign.id), alice)).toEqual(campaign);

      const added = await harness.rest('POST', stepsPath(campaign.id), {
        token: alice,
        body: { position: 0, ...STEP_BODY },
      });
      expect(added.status).toBe(500);
      expect(await call('GET', stepsPath(campaign.id), alice)).toEqual({ items: [] });

      const count = async () =>
        (await admin.query<{ n: string }>('SELECT count(*) AS n FROM campaigns')).rows[0]?.n;
      const campaigns = await count();
      await expect(
        harness.server.client(bob).campaigns.create.mutate({ name: 'Never', segment_id: 's' }),
      ).rejects.toThrow();
      expect(await count()).toBe(campaigns);
      expect((await events(campaign.id)).map((e) => e.action)).toEqual(['campaign.created']);
    } finally {
      await admin.query(
        'DROP TRIGGER IF EXISTS test_fail_audit ON audit_events; DROP FUNCTION IF EXISTS test_fail_audit();',
      );
      await admin.end();
    }
  });
});

describe('reading the trail', () => {
  it('tRPC campaigns.listEvents returns what REST returns; tRPC changes are recorded the same way', async () => {
    const client = harness.server.client(bob);
    const campaign = await client.campaigns.create.mutate({ name: 'Over tRPC', segment_id: 'seg_t' });
    const step = await client.campaigns.addStep.mutate({ id: campaign.id, position: 0, ...STEP_BODY });
    const updated = await client.campaigns.updateStep.mutate({
      id: campaign.id,
      step_id: step.id,
      delay_minutes: 9,
    });
    const scheduled = await client.campaigns.schedule.mutate({ id: campaign.id, scheduled_at: future() });
    const page = await client.campaigns.listEvents.query({ id: campaign.id });
    expect(page.next_cursor).toBeNull();
    expect(page.items.map((e) => [e.action, e.actor, e.step_id])).toEqual([
      ['campaign.created', 'user_bob', null],
      ['step.added', 'user_bob', step.id],
      ['step.updated', 'user_bob', step.id],
      ['campaign.scheduled', 'user_bob', null],
    ]);
    expect(page.items[2]).toMatchObject({ before: step, after: updated });
    expect(page.items[3]?.after).toEqual(scheduled);
    expect(page.items).toEqual(await events(campaign.id, bob));
  });

  it('keyset pages: limit and next_cursor walk the trail oldest first without gaps or repeats', async () => {
    const { id } = await call<Campaign>('POST', CAMPAIGNS, alice, { name: 'Paged', segment_id: 's' }, 201);
    for (let i = 0; i < 6; i += 1) await call('PATCH', campaignPath(id), alice, { name: `Paged ${i}` });
    const all = await events(id);
    expect(all).toHaveLength(7);
    const seen: CampaignEvent[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=3' : `?limit=3&cursor=${cursor}`;
      const page: CampaignEventPage = await call('GET', `${eventsPath(id)}${query}`, alice);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(all);
    expect(all.map((e) => (e.after as { name: string }).name)).toEqual([
      'Paged',
      ...[0, 1, 2, 3, 4, 5].map((i) => `Paged ${i}`),
    ]);
    // Default page size 50.
    expect((await call<CampaignEventPage>('GET', eventsPath(id), alice)).items).toHaveLength(7);
  });

  it.each(['not-a-cursor', 'MTIzNDU2Nzg5MDEyMzQ1Njc4OTAx', Buffer.from('-1').toString('base64url'), 'AA'])(
    'an invalid cursor (%s) is 400 on path cursor',
    async (cursor) => {
      const { id } = await call<Campaign>('POST', CAMPAIGNS, alice, { name: 'C', segment_id: 's' }, 201);
      const response = await harness.rest<{ error: string; details: { issues: Array<{ path: string[] }> } }>(
        'GET',
        `${eventsPath(id)}?cursor=${cursor}`,
        { token: alice },
      );
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('validation_failed');
      expect(response.body.details.issues[0]?.path).toEqual(['cursor']);
    },
  );

  it.each(['0', '101', 'abc', '1.5'])('limit=%s is 400', async (limit) => {
    const { id } = await call<Campaign>('POST', CAMPAIGNS, alice, { name: 'L', segment_id: 's' }, 201);
    expect((await harness.rest('GET', `${eventsPath(id)}?limit=${limit}`, { token: alice })).status).toBe(
      400,
    );
  });

  it('another brand’s campaign, or a missing one, is 404 (REST and tRPC)', async () => {
    const { id } = await call<Campaign>('POST', CAMPAIGNS, alice, { name: 'Private', segment_id: 's' }, 201);
    for (const target of [id, MISSING_CAMPAIGN, 'nope', 'x'.repeat(1000)]) {
      const response = await harness.rest('GET', eventsPath(target), { token: intruder });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: 'not_found', message: expect.any(String), details: {} });
    }
    await expect(harness.server.client(intruder).campaigns.listEvents.query({ id })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
  });

  it('needs the read scope: a write-only token is 403, no token 401', async () => {
    const { id } = await call<Campaign>('POST', CAMPAIGNS, alice, { name: 'Scoped', segment_id: 's' }, 201);
    const writeOnly = await harness.server.token({ sub: 'user_alice', scopes: [SCOPES.write] });
    const response = await harness.rest<{ details: unknown }>('GET', eventsPath(id), { token: writeOnly });
    expect(response.status).toBe(403);
    expect(response.body.details).toEqual({ required_scope: SCOPES.read });
    expect((await harness.rest('GET', eventsPath(id))).status).toBe(401);
  });
});

describe('the trail is append-only in the database itself', () => {
  it('UPDATE, DELETE and TRUNCATE are refused, even for the table’s owner', async () => {
    await call<Campaign>('POST', CAMPAIGNS, alice, { name: 'Immutable', segment_id: 's' }, 201);
    const admin = new pg.Client({ connectionString: harness.server.databaseUrl });
    await admin.connect();
    try {
      const before = (await admin.query('SELECT * FROM audit_events ORDER BY seq')).rows;
      expect(before.length).toBeGreaterThan(0);
      for (const statement of [
        `UPDATE audit_events SET actor = 'someone_else'`,
        'DELETE FROM audit_events',
        'TRUNCATE audit_events',
      ]) {
        await expect(admin.query(statement)).rejects.toThrow(/audit_events is append-only/);
      }
      expect((await admin.query('SELECT * FROM audit_events ORDER BY seq')).rows).toEqual(before);
    } finally {
      await admin.end();
    }
  });
});
