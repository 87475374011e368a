import type { Campaign } from '@campaigns/contract';
import { describe, expect, it } from 'vitest';
import {
  addStep,
  campaignPath,
  createCampaign,
  draftWithSteps,
  expectErrorBody,
  expectValidationIssueAt,
  forceStatus,
  getCampaign,
  ISO_UTC_MS,
  MISSING_CAMPAIGN,
  snapshot,
  trpcFailure,
} from './support/campaigns';
import { TestClock } from './support/clock';
import { useTestServer } from './support/use-test-server';

// POST /v1/messaging/campaigns/{id}/schedule — API.md "schedule", rule by rule, over REST and tRPC.

const clock = new TestClock();
const harness = useTestServer({ clock });

const HOUR = 3_600_000;
const at = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs).toISOString();
const schedulePath = (id: string) => `${campaignPath(id)}/schedule`;
const schedule = (id: string, body: unknown) =>
  harness.rest<Campaign>('POST', schedulePath(id), { token: harness.token, body });

async function readyDraft(): Promise<Campaign> {
  return (await draftWithSteps(harness.server.db, harness.rest, harness.token, 1)).campaign;
}

describe('success', () => {
  it('schedules a draft: status, scheduled_at, published_at = updated_at = now, 200 Campaign', async () => {
    const draft = await readyDraft();
    const now = clock.advance(1_000);
    const scheduledAt = at(HOUR);

    const response = await schedule(draft.id, { scheduled_at: scheduledAt });

    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      ...draft,
      status: 'scheduled',
      scheduled_at: scheduledAt,
      published_at: now.toISOString(),
      updated_at: now.toISOString(),
    });
    expect(response.body.updated_at > draft.updated_at).toBe(true);
    expect(await getCampaign(harness.rest, harness.token, draft.id)).toEqual(response.body);
  });

  it('accepts a +02:00 offset, meaning that instant, and answers in UTC with milliseconds', async () => {
    const draft = await readyDraft();
    const response = await schedule(draft.id, { scheduled_at: '2099-06-01T12:30:00+02:00' });
    expect(response.status, response.text).toBe(200);
    expect(response.body.scheduled_at).toBe('2099-06-01T10:30:00.000Z');
    expect(response.body.scheduled_at).toMatch(ISO_UTC_MS);
    expect(response.body.published_at).toMatch(ISO_UTC_MS);
    const stored = await harness.server.db.campaign.findUniqueOrThrow({ where: { id: draft.id } });
    expect(stored.scheduledAt?.toISOString()).toBe('2099-06-01T10:30:00.000Z');
  });

  it('judges "future" on the instant, not on the wall-clock digits', async () => {
    const now = clock.now();
    const hh = (date: Date) => date.toISOString().slice(0, 19);
    // Wall clock one hour ahead, but +02:00 makes the instant one hour in the past: refused.
    const looksFuture = `${hh(new Date(now.getTime() + HOUR))}+02:00`;
    const refused = await schedule((await readyDraft()).id, { scheduled_at: looksFuture });
    expectValidationIssueAt(refused, ['scheduled_at']);
    // Wall clock one hour behind, but -02:00 makes the instant one hour in the future: accepted.
    const looksPast = `${hh(new Date(now.getTime() - HOUR))}-02:00`;
    const accepted = await schedule((await readyDraft()).id, { scheduled_at: looksPast });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body.scheduled_at).toBe(new Date(now.getTime() + HOUR).toISOString());
  });

  it('keeps fractional seconds to the millisecond', async () => {
    const draft = await readyDraft();
    const response = await schedule(draft.id, { scheduled_at: '2099-01-02T03:04:05.678+00:00' });
    expect(response.status, response.text).toBe(200);
    expect(response.body.scheduled_at).toBe('2099-01-02T03:04:05.678Z');
  });

  it('reschedules a scheduled campaign: new scheduled_at, published_at and updated_at', async () => {
    const draft = await readyDraft();
    const first = await schedule(draft.id, { scheduled_at: at(HOUR) });
    expect(first.status).toBe(200);
    const now = clock.advance(5_000);

    const second = await schedule(draft.id, { scheduled_at: at(2 * HOUR) });

    expect(second.status, second.text).toBe(200);
    expect(second.body.status).toBe('scheduled');
    expect(second.body.scheduled_at).toBe(at(2 * HOUR));
    expect(second.body.published_at).toBe(now.toISOString());
    expect(second.body.updated_at).toBe(now.toISOString());
    expect(second.body.updated_at > (first.body.updated_at ?? '')).toBe(true);
  });
});

describe('scheduled_at must be in the future (400 validation_failed at ["scheduled_at"])', () => {
  it.each([
    ['one hour ago', -HOUR],
    ['one millisecond ago', -1],
    ['exactly now', 0],
  ])('refuses %s and changes nothing', async (_label, offset) => {
    const draft = await readyDraft();
    const before = await snapshot(harness.server.db, draft.id);
    const response = await schedule(draft.id, { scheduled_at: at(offset) });
    expectValidationIssueAt(response, ['scheduled_at']);
    expect(await snapshot(harness.server.db, draft.id)).toEqual(before);
  });

  it('accepts one millisecond from now', async () => {
    const response = await schedule((await readyDraft()).id, { scheduled_at: at(1) });
    expect(response.status, response.text).toBe(200);
  });
});

describe('scheduled_at must be an RFC 3339 date-time with an offset (400)', () => {
  it.each([
    ['no offset', '2099-01-01T10:00:00'],
    ['a date only', '2099-01-01'],
    ['a space instead of T', '2099-01-01 10:00:00Z'],
    ['an offset without colon', '2099-01-01T10:00:00+0200'],
    ['an hour-only offset', '2099-01-01T10:00:00+02'],
    ['a day that does not exist', '2099-02-30T10:00:00Z'],
    ['hour 24', '2099-01-01T24:00:00Z'],
    ['words', 'tomorrow at noon'],
    ['an empty string', ''],
    ['a number', 4_102_444_800_000],
    ['null', null],
    ['an object', { at: '2099-01-01T10:00:00Z' }],
  ])('refuses %s', async (_label, value) => {
    const draft = await readyDraft();
    const before = await snapshot(harness.server.db, draft.id);
    const response = await schedule(draft.id, { scheduled_at: value });
    expectValidationIssueAt(response, ['scheduled_at']);
    expect(await snapshot(harness.server.db, draft.id)).toEqual(before);
  });

  it('requires scheduled_at', async () => {
    const response = await schedule((await readyDraft()).id, {});
    expectValidationIssueAt(response, ['scheduled_at']);
  });

  it('rejects unknown keys', async () => {
    const draft = await readyDraft();
    const response = await schedule(draft.id, { scheduled_at: at(HOUR), schedule_at: at(HOUR) });
    expectValidationIssueAt(response, ['schedule_at']);
    expect((await getCampaign(harness.rest, harness.token, draft.id)).status).toBe('draft');
  });

  it('rejects a body that is not JSON', async () => {
    const response = await harness.rest('POST', schedulePath((await readyDraft()).id), {
      token: harness.token,
      raw: '{"scheduled_at": ',
      headers: { 'content-type': 'application/json' },
    });
    expectErrorBody(response, 400, 'validation_failed');
  });
});

describe('state rules (412 bad_state)', () => {
  // invalid_status from each status, and before no_steps: packages/api/test/rules/state-machine.test.ts.
  it('refuses a campaign without steps with {reason: no_steps}', async () => {
    const draft = await createCampaign(harness.rest, harness.token);
    const before = await snapshot(harness.server.db, draft.id);
    const response = await schedule(draft.id, { scheduled_at: at(HOUR) });
    expectErrorBody(response, 412, 'bad_state', { reason: 'no_steps' });
    expect(await snapshot(harness.server.db, draft.id)).toEqual(before);
  });

  it('can be scheduled once it has a step', async () => {
    const draft = await createCampaign(harness.rest, harness.token);
    expect((await schedule(draft.id, { scheduled_at: at(HOUR) })).status).toBe(412);
    await addStep(harness.rest, harness.token, draft.id);
    expect((await schedule(draft.id, { scheduled_at: at(HOUR) })).status).toBe(200);
  });
});

describe('not found (404)', () => {
  it.each([
    ['an unknown id', MISSING_CAMPAIGN],
    ['a malformed id', 'not-an-id'],
    ['an absurdly long id', `cmp_${'a'.repeat(5_000)}`],
  ])('answers 404 for %s', async (_label, id) => {
    expectErrorBody(await schedule(id, { scheduled_at: at(HOUR) }), 404, 'not_found');
  });

  it("answers 404 for another brand's campaign and leaves it alone", async () => {
    const draft = await readyDraft();
    const before = await snapshot(harness.server.db, draft.id);
    const other = await harness.server.token({ brand: 'brand_other' });
    const response = await harness.rest('POST', schedulePath(draft.id), {
      token: other,
      body: { scheduled_at: at(HOUR) },
    });
    expectErrorBody(response, 404, 'not_found');
    expect(await snapshot(harness.server.db, draft.id)).toEqual(before);
  });
});

describe('over tRPC (campaigns.schedule)', () => {
  it('schedules, with the same result shape', async () => {
    const draft = await readyDraft();
    const now = clock.advance(1_000);
    const campaign = await harness.server.client(harness.token).campaigns.schedule.mutate({
      id: draft.id,
      scheduled_at: '2099-06-01T12:30:00+02:00',
    });
    expect(campaign).toMatchObject({
      status: 'scheduled',
      scheduled_at: '2099-06-01T10:30:00.000Z',
      published_at: now.toISOString(),
      updated_at: now.toISOString(),
    });
  });

  it('answers BAD_REQUEST validation_failed for a past instant', async () => {
    const draft = await readyDraft();
    const data = await trpcFailure(
      harness.server.client(harness.token).campaigns.schedule.mutate({ id: draft.id, scheduled_at: at(0) }),
    );
    expect(data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400, error: 'validation_failed' });
    expect(data.details.issues).toEqual([{ path: ['scheduled_at'], message: expect.any(String) }]);
  });

  it('answers BAD_REQUEST for a date-time without offset', async () => {
    const draft = await readyDraft();
    const data = await trpcFailure(
      harness.server
        .client(harness.token)
        .campaigns.schedule.mutate({ id: draft.id, scheduled_at: '2099-01-01T10:00:00' }),
    );
    expect(data).toMatchObject({ code: 'BAD_REQUEST', error: 'validation_failed' });
  });

  it('answers PRECONDITION_FAILED with the rule and status', async () => {
    const draft = await readyDraft();
    await forceStatus(harness.server.db, draft.id, 'sent');
    const data = await trpcFailure(
      harness.server
        .client(harness.token)
        .campaigns.schedule.mutate({ id: draft.id, scheduled_at: at(HOUR) }),
    );
    expect(data).toMatchObject({ code: 'PRECONDITION_FAILED', httpStatus: 412, error: 'bad_state' });
    expect(data.details).toEqual({ reason: 'invalid_status', status: 'sent' });

    const empty = await createCampaign(harness.rest, harness.token);
    const noSteps = await trpcFailure(
      harness.server
        .client(harness.token)
        .campaigns.schedule.mutate({ id: empty.id, scheduled_at: at(HOUR) }),
    );
    expect(noSteps).toMatchObject({
      code: 'PRECONDITION_FAILED',
      error: 'bad_state',
      details: { reason: 'no_steps' },
    });
  });

  it('answers NOT_FOUND for another brand', async () => {
    const draft = await readyDraft();
    const other = harness.server.client(await harness.server.token({ brand: 'brand_other' }));
    const data = await trpcFailure(other.campaigns.schedule.mutate({ id: draft.id, scheduled_at: at(HOUR) }));
    expect(data).toMatchObject({ code: 'NOT_FOUND', error: 'not_found' });
  });
});
