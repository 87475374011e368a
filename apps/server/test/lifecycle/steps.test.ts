import type { Step } from '@campaigns/contract';
import { describe, expect, it } from 'vitest';
import {
  createCampaign,
  draftWithSteps,
  expectErrorBody,
  expectValidationIssueAt,
  forceStatus,
  getCampaign,
  listSteps,
  MISSING_CAMPAIGN,
  MISSING_STEP,
  snapshot,
  stepPath,
  stepsPath,
  storedPositions,
  trpcFailure,
} from '../support/campaigns';
import { TestClock } from '../support/clock';
import { useTestServer } from '../support/use-test-server';

// PATCH and DELETE /v1/messaging/campaigns/{id}/steps/{step_id} (campaigns.updateStep, campaigns.removeStep).

const clock = new TestClock();
const harness = useTestServer({ clock });

const patchStep = (id: string, stepId: string, body: unknown) =>
  harness.rest<Step>('PATCH', stepPath(id, stepId), { token: harness.token, body });
const deleteStep = (id: string, stepId: string) =>
  harness.rest<{ items: Step[] }>('DELETE', stepPath(id, stepId), { token: harness.token });
const ids = (steps: Step[]) => steps.map((step) => step.id);

describe('updateStep: editing fields', () => {
  it('changes template ids, delay and variables; position and other steps unchanged; updated_at moves', async () => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 3);
    const target = steps[1]!;
    const now = clock.advance(1_000);
    const change = {
      template_id: 'tpl_x',
      template_version_id: 'tplv_x',
      delay_minutes: 90,
      variables: { a: [1] },
    };

    const response = await patchStep(campaign.id, target.id, change);

    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ ...target, ...change });
    const after = await listSteps(harness.rest, harness.token, campaign.id);
    expect(after).toEqual([steps[0], { ...target, ...change }, steps[2]]);
    expect((await getCampaign(harness.rest, harness.token, campaign.id)).updated_at).toBe(now.toISOString());
  });

  it('replaces variables as a whole (variables {} clears them)', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const step = (
      await harness.rest<Step>('POST', stepsPath(campaign.id), {
        token: harness.token,
        body: { position: 0, template_id: 't', template_version_id: 'v', variables: { a: 1, b: 2 } },
      })
    ).body;
    const response = await patchStep(campaign.id, step.id, { variables: {} });
    expect(response.status, response.text).toBe(200);
    expect(response.body.variables).toEqual({});
  });

  it('accepts an empty patch and the step stays as it was', async () => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 2);
    const response = await patchStep(campaign.id, steps[0]!.id, {});
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual(steps[0]);
  });
});

// Moves, removals and their order rules: packages/api/test/rules/steps.test.ts.
describe('moving and removing on the wire', () => {
  it('moves and edits in one request: 200 and the step', async () => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 3);
    const response = await patchStep(campaign.id, steps[2]!.id, { position: 0, delay_minutes: 7 });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ ...steps[2], position: 0, delay_minutes: 7 });
    expect(ids(await listSteps(harness.rest, harness.token, campaign.id))).toEqual([
      steps[2]!.id,
      steps[0]!.id,
      steps[1]!.id,
    ]);
  });

  it('a position past the end is 412 position_out_of_range, nothing changed', async () => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 3);
    const before = await snapshot(harness.server.db, campaign.id);
    const response = await patchStep(campaign.id, steps[0]!.id, { position: 3, template_id: 'tpl_changed' });
    expectErrorBody(response, 412, 'bad_state', { reason: 'position_out_of_range', max_position: 2 });
    expect(await snapshot(harness.server.db, campaign.id)).toEqual(before);
  });

  it('removes a middle step: 200 and the remaining steps; the campaign moves on', async () => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 3);
    const now = clock.advance(1_000);
    const response = await deleteStep(campaign.id, steps[1]!.id);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ items: [steps[0], { ...steps[2], position: 1 }] });
    expect((await getCampaign(harness.rest, harness.token, campaign.id)).updated_at).toBe(now.toISOString());
  });

  it('removes the only step, leaving none; removing it again is 404', async () => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
    expect((await deleteStep(campaign.id, steps[0]!.id)).body).toEqual({ items: [] });
    expectErrorBody(await deleteStep(campaign.id, steps[0]!.id), 404, 'not_found');
    expect(await storedPositions(harness.server.db, campaign.id)).toEqual([]);
  });
});

describe('bad references (404, nothing changed)', () => {
  it('answers 404 for an unknown, malformed or absurdly long step id', async () => {
    const { campaign } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 2);
    const before = await snapshot(harness.server.db, campaign.id);
    for (const stepId of [MISSING_STEP, 'stp_zz', 's'.repeat(2_000), encodeURIComponent("1' OR '1'='1")]) {
      expectErrorBody(await patchStep(campaign.id, stepId, { position: 0 }), 404, 'not_found');
      expectErrorBody(await deleteStep(campaign.id, stepId), 404, 'not_found');
    }
    expect(await snapshot(harness.server.db, campaign.id)).toEqual(before);
  });

  it('answers 404 for a step of another campaign, and changes neither campaign', async () => {
    const a = await draftWithSteps(harness.server.db, harness.rest, harness.token, 2);
    const b = await draftWithSteps(harness.server.db, harness.rest, harness.token, 2);
    const [beforeA, beforeB] = [
      await snapshot(harness.server.db, a.campaign.id),
      await snapshot(harness.server.db, b.campaign.id),
    ];
    const foreign = b.steps[1]!.id;
    expectErrorBody(await patchStep(a.campaign.id, foreign, { position: 0 }), 404, 'not_found');
    expectErrorBody(await patchStep(a.campaign.id, foreign, { template_id: 'stolen' }), 404, 'not_found');
    expectErrorBody(await deleteStep(a.campaign.id, foreign), 404, 'not_found');
    expect(await snapshot(harness.server.db, a.campaign.id)).toEqual(beforeA);
    expect(await snapshot(harness.server.db, b.campaign.id)).toEqual(beforeB);
  });

  it('answers 404 for an unknown campaign', async () => {
    const { steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
    expectErrorBody(await patchStep(MISSING_CAMPAIGN, steps[0]!.id, { position: 0 }), 404, 'not_found');
    expectErrorBody(await deleteStep(MISSING_CAMPAIGN, steps[0]!.id), 404, 'not_found');
  });

  it("answers 404 for another brand's campaign, and changes nothing", async () => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 2);
    const before = await snapshot(harness.server.db, campaign.id);
    const other = await harness.server.token({ brand: 'brand_other' });
    const path = stepPath(campaign.id, steps[0]!.id);
    expectErrorBody(
      await harness.rest('PATCH', path, { token: other, body: { position: 1 } }),
      404,
      'not_found',
    );
    expectErrorBody(await harness.rest('DELETE', path, { token: other }), 404, 'not_found');
    expect(await snapshot(harness.server.db, campaign.id)).toEqual(before);
  });
});

describe('validation (400 validation_failed, nothing changed)', () => {
  it.each<[string, Record<string, unknown>, (string | number)[]]>([
    ['an unknown key', { postion: 1 }, ['postion']],
    ['campaign_id (read-only)', { campaign_id: MISSING_CAMPAIGN }, ['campaign_id']],
    ['a negative position', { position: -1 }, ['position']],
    ['a fractional position', { position: 0.5 }, ['position']],
    ['a position as a string', { position: '1' }, ['position']],
    ['a null position', { position: null }, ['position']],
    ['an empty template_id', { template_id: '' }, ['template_id']],
    ['a null template_version_id', { template_version_id: null }, ['template_version_id']],
    ['a delay over one year', { delay_minutes: 525_601 }, ['delay_minutes']],
    ['a delay as a string', { delay_minutes: '10' }, ['delay_minutes']],
    ['variables as an array', { variables: [] }, ['variables']],
    ['variables over 32 KiB', { variables: { v: 'x'.repeat(33 * 1024) } }, ['variables']],
  ])('refuses %s', async (_label, body, path) => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 2);
    const before = await snapshot(harness.server.db, campaign.id);
    expectValidationIssueAt(await patchStep(campaign.id, steps[0]!.id, body), path);
    expect(await snapshot(harness.server.db, campaign.id)).toEqual(before);
  });
});

describe('over tRPC (campaigns.updateStep, campaigns.removeStep)', () => {
  it('moves and removes', async () => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 4);
    const client = harness.server.client(harness.token);
    const step = await client.campaigns.updateStep.mutate({
      id: campaign.id,
      step_id: steps[3]!.id,
      position: 1,
    });
    expect(step).toMatchObject({ id: steps[3]!.id, position: 1 });
    const { items } = await client.campaigns.removeStep.mutate({ id: campaign.id, step_id: steps[0]!.id });
    expect(ids(items)).toEqual([steps[3]!.id, steps[1]!.id, steps[2]!.id]);
    expect(items.map((item) => item.position)).toEqual([0, 1, 2]);
  });

  it('answers PRECONDITION_FAILED with position_out_of_range and with invalid_status', async () => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 2);
    const client = harness.server.client(harness.token);
    const outOfRange = await trpcFailure(
      client.campaigns.updateStep.mutate({ id: campaign.id, step_id: steps[0]!.id, position: 2 }),
    );
    expect(outOfRange).toMatchObject({ code: 'PRECONDITION_FAILED', httpStatus: 412, error: 'bad_state' });
    expect(outOfRange.details).toEqual({ reason: 'position_out_of_range', max_position: 1 });

    await forceStatus(harness.server.db, campaign.id, 'scheduled');
    const notDraft = await trpcFailure(
      client.campaigns.removeStep.mutate({ id: campaign.id, step_id: steps[0]!.id }),
    );
    expect(notDraft).toMatchObject({ code: 'PRECONDITION_FAILED', error: 'bad_state' });
    expect(notDraft.details).toEqual({ reason: 'invalid_status', status: 'scheduled' });
    expect(await storedPositions(harness.server.db, campaign.id)).toEqual([0, 1]);
  });

  it('answers NOT_FOUND for a step of another campaign and BAD_REQUEST for wrong types', async () => {
    const a = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
    const b = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
    const client = harness.server.client(harness.token);
    const foreign = await trpcFailure(
      client.campaigns.removeStep.mutate({ id: a.campaign.id, step_id: b.steps[0]!.id }),
    );
    expect(foreign).toMatchObject({ code: 'NOT_FOUND', error: 'not_found' });

    const wrongType = await trpcFailure(
      // @ts-expect-error delay_minutes must be a number
      client.campaigns.updateStep.mutate({ id: a.campaign.id, step_id: a.steps[0]!.id, delay_minutes: '5' }),
    );
    expect(wrongType).toMatchObject({ code: 'BAD_REQUEST', error: 'validation_failed' });
    expect(await listSteps(harness.rest, harness.token, b.campaign.id)).toEqual(b.steps);
  });
});
