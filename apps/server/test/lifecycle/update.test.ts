import type { Campaign } from '@campaigns/contract';
import { describe, expect, it } from 'vitest';
import {
  addStep,
  campaignPath,
  createCampaign,
  expectErrorBody,
  expectValidationIssueAt,
  forceStatus,
  getCampaign,
  MISSING_CAMPAIGN,
  snapshot,
  trpcFailure,
} from '../support/campaigns';
import { TestClock } from '../support/clock';
import { useTestServer } from '../support/use-test-server';

// PATCH /v1/messaging/campaigns/{id} (campaigns.update): name, description, segment_id; drafts only.

const clock = new TestClock();
const harness = useTestServer({ clock });

const patch = (id: string, body: unknown, as = harness.token) =>
  harness.rest<Campaign>('PATCH', campaignPath(id), { token: as, body });

describe('editing a draft', () => {
  it('changes name, description and segment_id; updated_at moves, nothing else changes', async () => {
    const campaign = await createCampaign(harness.rest, harness.token, {
      name: 'Old',
      description: 'old',
      segment_id: 'seg_old',
    });
    const now = clock.advance(1_000);
    const response = await patch(campaign.id, { name: 'New', description: 'new', segment_id: 'seg_new' });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      ...campaign,
      name: 'New',
      description: 'new',
      segment_id: 'seg_new',
      updated_at: now.toISOString(),
    });
    expect(await getCampaign(harness.rest, harness.token, campaign.id)).toEqual(response.body);
  });

  it('answers an update and a schedule with the very bytes a read returns next (keys in the same order)', async () => {
    const window = { time_zone: 'Europe/Berlin', days: ['mon', 'fri'], start: '09:00', end: '20:00' };
    const campaign = await createCampaign(harness.rest, harness.token, {
      name: 'Bytes',
      description: 'same',
      segment_id: 'seg_bytes',
      send_window: window,
    });
    const read = async () =>
      (await harness.rest('GET', campaignPath(campaign.id), { token: harness.token })).text;
    clock.advance(1_000);
    const updated = await patch(campaign.id, { name: 'Bytes 2' });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.text).toBe(await read());
    await addStep(harness.rest, harness.token, campaign.id);
    const scheduled = await harness.rest('POST', `${campaignPath(campaign.id)}/schedule`, {
      token: harness.token,
      body: { scheduled_at: new Date(clock.now().getTime() + 3_600_000).toISOString() },
    });
    expect(scheduled.status, scheduled.text).toBe(200);
    expect(scheduled.text).toBe(await read());
    expect(Object.keys(JSON.parse(scheduled.text) as object)).toEqual(Object.keys(campaign));
  });

  it('changes only the fields given', async () => {
    const campaign = await createCampaign(harness.rest, harness.token, {
      name: 'Keep',
      description: 'keep',
      segment_id: 'seg_keep',
    });
    const response = await patch(campaign.id, { segment_id: 'seg_2' });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ name: 'Keep', description: 'keep', segment_id: 'seg_2' });
  });

  it('clears the description with null', async () => {
    const campaign = await createCampaign(harness.rest, harness.token, {
      name: 'N',
      description: 'text',
      segment_id: 's',
    });
    const response = await patch(campaign.id, { description: null });
    expect(response.status, response.text).toBe(200);
    expect(response.body.description).toBeNull();
    expect(
      (await harness.server.db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).description,
    ).toBeNull();
  });

  it('accepts the limits: name 200, description 2000, segment_id 128 characters', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const body = { name: 'n'.repeat(200), description: 'd'.repeat(2000), segment_id: 's'.repeat(128) };
    const response = await patch(campaign.id, body);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject(body);
  });
});

describe('validation (400, nothing changed)', () => {
  it.each<[string, Record<string, unknown>, (string | number)[]]>([
    ['an unknown key', { title: 'x' }, ['title']],
    ['a read-only field', { status: 'scheduled' }, ['status']],
    ['an empty name', { name: '' }, ['name']],
    ['a 201-character name', { name: 'n'.repeat(201) }, ['name']],
    ['a null name', { name: null }, ['name']],
    ['a numeric name', { name: 42 }, ['name']],
    ['a 2001-character description', { description: 'd'.repeat(2001) }, ['description']],
    ['an empty segment_id', { segment_id: '' }, ['segment_id']],
    ['a 129-character segment_id', { segment_id: 's'.repeat(129) }, ['segment_id']],
    ['a NUL character', { name: 'a\u0000b' }, ['name']],
  ])('refuses %s', async (_label, body, path) => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const before = await snapshot(harness.server.db, campaign.id);
    expectValidationIssueAt(await patch(campaign.id, body), path);
    expect(await snapshot(harness.server.db, campaign.id)).toEqual(before);
  });

  it('refuses a body that is not JSON', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const response = await harness.rest('PATCH', campaignPath(campaign.id), {
      token: harness.token,
      raw: '{name:',
      headers: { 'content-type': 'application/json' },
    });
    expectErrorBody(response, 400, 'validation_failed');
  });
});

// Which statuses allow update: the state machine (packages/api/test/rules/state-machine.test.ts).
describe('not found (404)', () => {
  it.each([
    ['an unknown id', MISSING_CAMPAIGN],
    ['a malformed id', 'cmp_NOPE'],
    ['an absurdly long id', 'c'.repeat(3_000)],
  ])('answers 404 for %s', async (_label, id) => {
    expectErrorBody(await patch(id, { name: 'x' }), 404, 'not_found');
  });

  it("answers 404 for another brand's campaign and leaves it alone", async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const before = await snapshot(harness.server.db, campaign.id);
    const response = await patch(
      campaign.id,
      { name: 'Hijacked' },
      await harness.server.token({ brand: 'brand_other' }),
    );
    expectErrorBody(response, 404, 'not_found');
    expect(await snapshot(harness.server.db, campaign.id)).toEqual(before);
  });
});

describe('over tRPC (campaigns.update)', () => {
  it('edits a draft', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const updated = await harness.server
      .client(harness.token)
      .campaigns.update.mutate({ id: campaign.id, name: 'Via tRPC', description: null });
    expect(updated).toMatchObject({ id: campaign.id, name: 'Via tRPC', description: null, status: 'draft' });
  });

  it('answers PRECONDITION_FAILED with the rule and status outside draft', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    await forceStatus(harness.server.db, campaign.id, 'cancelled');
    const data = await trpcFailure(
      harness.server.client(harness.token).campaigns.update.mutate({ id: campaign.id, name: 'x' }),
    );
    expect(data).toMatchObject({ code: 'PRECONDITION_FAILED', httpStatus: 412, error: 'bad_state' });
    expect(data.details).toEqual({ reason: 'invalid_status', status: 'cancelled' });
  });

  it('answers BAD_REQUEST for unknown keys and NOT_FOUND for another brand', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const client = harness.server.client(harness.token);
    // @ts-expect-error unknown keys are type errors for typed callers, and 400 for the rest
    const unknown = await trpcFailure(client.campaigns.update.mutate({ id: campaign.id, nmae: 'typo' }));
    expect(unknown).toMatchObject({ code: 'BAD_REQUEST', error: 'validation_failed' });
    expect(unknown.details.issues).toContainEqual({ path: ['nmae'], message: expect.any(String) });

    const other = harness.server.client(await harness.server.token({ brand: 'brand_other' }));
    const missing = await trpcFailure(other.campaigns.update.mutate({ id: campaign.id, name: 'x' }));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', error: 'not_found' });
    expect((await getCampaign(harness.rest, harness.token, campaign.id)).name).toBe(campaign.name);
  });
});
