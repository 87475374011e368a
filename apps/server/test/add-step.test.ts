import type { Step } from '@campaigns/contract';
import { describe, expect, it } from 'vitest';
import {
  createCampaign,
  draftWithSteps,
  expectErrorBody,
  expectValidationIssueAt,
  forceStatus,
  listSteps,
  MISSING_CAMPAIGN,
  snapshot,
  stepsPath,
  storedPositions,
  trpcFailure,
} from './support/campaigns';
import { TestClock } from './support/clock';
import { useTestServer } from './support/use-test-server';

// POST /v1/messaging/campaigns/{id}/steps — API.md "addStep", rule by rule, over REST and tRPC.

const clock = new TestClock();
const harness = useTestServer({ clock });

const VALID = { template_id: 'tpl_new', template_version_id: 'tplv_new' };
const post = (id: string, body: unknown) =>
  harness.rest<Step>('POST', stepsPath(id), { token: harness.token, body });
const templates = (steps: Step[]) => steps.map((step) => step.template_id);

describe('inserting', () => {
  it('returns 201 and the step, with delay_minutes 0 and variables {} by default', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const response = await post(campaign.id, { position: 0, ...VALID });
    expect(response.status, response.text).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^stp_/),
      campaign_id: campaign.id,
      position: 0,
      template_id: 'tpl_new',
      template_version_id: 'tplv_new',
      delay_minutes: 0,
      variables: {},
    });
    const stored = await harness.server.db.step.findUniqueOrThrow({ where: { id: response.body.id } });
    expect(stored).toMatchObject({ delayMinutes: 0, variables: {} });
  });

  it('stores delay_minutes and variables as given', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const variables = { first_name: 'Ada', nested: { list: [1, 'two', null], flag: true } };
    const response = await post(campaign.id, { position: 0, ...VALID, delay_minutes: 525_600, variables });
    expect(response.status, response.text).toBe(201);
    expect(response.body).toMatchObject({ delay_minutes: 525_600, variables });
    expect((await listSteps(harness.rest, harness.token, campaign.id))[0]).toEqual(response.body);
  });
});

// Step order, the position rules and the 100-step limit: packages/api/test/rules/steps.test.ts.
describe('a position rule on the wire (412 bad_state)', () => {
  it('position past the end is position_out_of_range with max_position = n, nothing changed', async () => {
    const { campaign } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 3);
    const before = await snapshot(harness.server.db, campaign.id);
    const response = await post(campaign.id, { position: 4, ...VALID });
    expectErrorBody(response, 412, 'bad_state', { reason: 'position_out_of_range', max_position: 3 });
    expect(await snapshot(harness.server.db, campaign.id)).toEqual(before);
  });
});

describe('validation (400 validation_failed, nothing changed)', () => {
  const KiB = 1024;
  /** `{"v":"xxx…"}` of exactly `bytes` bytes when serialized. */
  const variablesOfSize = (bytes: number) => ({ v: 'x'.repeat(bytes - '{"v":""}'.length) });

  it.each<[string, Record<string, unknown>, (string | number)[]]>([
    ['an unknown key', { position: 0, ...VALID, delay: 5 }, ['delay']],
    ['a missing position', { ...VALID }, ['position']],
    ['a negative position', { position: -1, ...VALID }, ['position']],
    ['a fractional position', { position: 1.5, ...VALID }, ['position']],
    ['a position as a string', { position: '0', ...VALID }, ['position']],
    ['a null position', { position: null, ...VALID }, ['position']],
    ['a missing template_id', { position: 0, template_version_id: 'v' }, ['template_id']],
    ['an empty template_id', { position: 0, ...VALID, template_id: '' }, ['template_id']],
    [
      'a 129-character template_version_id',
      { position: 0, ...VALID, template_version_id: 'v'.repeat(129) },
      ['template_version_id'],
    ],
    ['a numeric template_id', { position: 0, ...VALID, template_id: 7 }, ['template_id']],
    ['a negative delay', { position: 0, ...VALID, delay_minutes: -1 }, ['delay_minutes']],
    ['a delay over one year', { position: 0, ...VALID, delay_minutes: 525_601 }, ['delay_minutes']],
    ['a delay as a string', { position: 0, ...VALID, delay_minutes: '5' }, ['delay_minutes']],
    ['variables as an array', { position: 0, ...VALID, variables: ['a'] }, ['variables']],
    ['variables as a string', { position: 0, ...VALID, variables: 'a=1' }, ['variables']],
    [
      'variables over 32 KiB',
      { position: 0, ...VALID, variables: variablesOfSize(32 * KiB + 1) },
      ['variables'],
    ],
  ])('refuses %s', async (_label, body, path) => {
    const { campaign } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
    const before = await snapshot(harness.server.db, campaign.id);
    expectValidationIssueAt(await post(campaign.id, body), path);
    expect(await snapshot(harness.server.db, campaign.id)).toEqual(before);
  });

  it('accepts variables of exactly 32 KiB', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const response = await post(campaign.id, { position: 0, ...VALID, variables: variablesOfSize(32 * KiB) });
    expect(response.status, response.text).toBe(201);
  });

  it('refuses a body that is not JSON', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const response = await harness.rest('POST', stepsPath(campaign.id), {
      token: harness.token,
      raw: 'position=0',
      headers: { 'content-type': 'application/json' },
    });
    expectErrorBody(response, 400, 'validation_failed');
    expect(await storedPositions(harness.server.db, campaign.id)).toEqual([]);
  });
});

describe('not found (404)', () => {
  it.each([
    ['an unknown campaign', MISSING_CAMPAIGN],
    ['a malformed id', "x' OR 1=1 --"],
  ])('answers 404 for %s', async (_label, id) => {
    expectErrorBody(await post(encodeURIComponent(id), { position: 0, ...VALID }), 404, 'not_found');
  });

  it("answers 404 for another brand's campaign and adds nothing", async () => {
    const { campaign } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
    const other = await harness.server.token({ brand: 'brand_other' });
    const response = await harness.rest('POST', stepsPath(campaign.id), {
      token: other,
      body: { position: 0, ...VALID },
    });
    expectErrorBody(response, 404, 'not_found');
    expect(await storedPositions(harness.server.db, campaign.id)).toEqual([0]);
  });
});

describe('over tRPC (campaigns.addStep)', () => {
  it('inserts and shifts, with defaults', async () => {
    const { campaign } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 2);
    const client = harness.server.client(harness.token);
    const step = await client.campaigns.addStep.mutate({ id: campaign.id, position: 1, ...VALID });
    expect(step).toMatchObject({ position: 1, delay_minutes: 0, variables: {}, campaign_id: campaign.id });
    const { items } = await client.campaigns.listSteps.query({ id: campaign.id });
    expect(templates(items)).toEqual(['tpl_0', 'tpl_new', 'tpl_1']);
  });

  it('answers PRECONDITION_FAILED with position_out_of_range and max_position', async () => {
    const { campaign } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 2);
    const data = await trpcFailure(
      harness.server
        .client(harness.token)
        .campaigns.addStep.mutate({ id: campaign.id, position: 3, ...VALID }),
    );
    expect(data).toMatchObject({ code: 'PRECONDITION_FAILED', httpStatus: 412, error: 'bad_state' });
    expect(data.details).toEqual({ reason: 'position_out_of_range', max_position: 2 });
  });

  it('answers PRECONDITION_FAILED with invalid_status once the campaign left draft', async () => {
    const { campaign } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
    await forceStatus(harness.server.db, campaign.id, 'scheduled');
    const data = await trpcFailure(
      harness.server
        .client(harness.token)
        .campaigns.addStep.mutate({ id: campaign.id, position: 0, ...VALID }),
    );
    expect(data).toMatchObject({
      code: 'PRECONDITION_FAILED',
      details: { reason: 'invalid_status', status: 'scheduled' },
    });
  });

  it('answers BAD_REQUEST for unknown keys and wrong types, even after REST traffic', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const client = harness.server.client(harness.token);
    const unknownKey = await trpcFailure(
      // @ts-expect-error an unknown key is a type error for typed callers, and a 400 for the rest
      client.campaigns.addStep.mutate({ id: campaign.id, position: 0, ...VALID, colour: 'red' }),
    );
    expect(unknownKey).toMatchObject({ code: 'BAD_REQUEST', error: 'validation_failed' });
    expect(unknownKey.details.issues).toContainEqual({ path: ['colour'], message: expect.any(String) });

    const wrongType = await trpcFailure(
      // @ts-expect-error position must be a number; REST coercion must not leak into tRPC
      client.campaigns.addStep.mutate({ id: campaign.id, position: '0', ...VALID }),
    );
    expect(wrongType).toMatchObject({ code: 'BAD_REQUEST', error: 'validation_failed' });
    expect(await storedPositions(harness.server.db, campaign.id)).toEqual([]);
  });
});
