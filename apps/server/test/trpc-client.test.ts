import { randomBytes } from 'node:crypto';
import {
  type CampaignsClient,
  type CampaignsClientError,
  createCampaignsClient,
  isCampaignsClientError,
} from '@campaigns/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from './support/use-test-server';

// The seed flows through the typed client of `@campaigns/client` (API.md, Surfaces: tRPC), and proof
// that the tRPC and REST surfaces serve the same data and the same errors.

const CAMPAIGNS = '/v1/messaging/campaigns';
const RFC3339_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const missingId = () => `cmp_${randomBytes(16).toString('hex')}`;
const inAnHour = () => new Date(Date.now() + 3_600_000);

const harness = useTestServer({}, { brand: 'brand_trpc', sub: 'user_trpc' });
let client: CampaignsClient;

beforeAll(async () => {
  client = harness.server.client(harness.token);
});

/** The rejection of a tRPC call, as the typed client error. */
async function failure(call: Promise<unknown>): Promise<CampaignsClientError> {
  const outcome = await call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected the call to fail, got ${JSON.stringify(outcome.value)}`);
  if (!isCampaignsClientError(outcome.error)) throw outcome.error;
  return outcome.error;
}

const stepInput = (id: string, position: number, template = 'tpl_1') => ({
  id,
  position,
  template_id: template,
  template_version_id: `${template}_v1`,
});

describe('the seed flow over tRPC', () => {
  it('create → addStep → listSteps → schedule → get → cancel', async () => {
    const created = await client.campaigns.create.mutate({
      name: 'Typed',
      segment_id: 'seg_1',
      description: null,
    });
    expect(created).toMatchObject({
      name: 'Typed',
      description: null,
      segment_id: 'seg_1',
      status: 'draft',
      brand_id: 'brand_trpc',
      created_by: 'user_trpc',
      scheduled_at: null,
      published_at: null,
      sent_at: null,
      cancelled_at: null,
    });
    // Timestamps are the same RFC 3339 strings as on REST, not Dates revived by the transformer.
    expect(created.created_at).toMatch(RFC3339_UTC_MS);

    const second = await client.campaigns.addStep.mutate({
      ...stepInput(created.id, 0, 'tpl_b'),
      delay_minutes: 30,
    });
    expect(second).toMatchObject({ campaign_id: created.id, position: 0, delay_minutes: 30, variables: {} });
    const first = await client.campaigns.addStep.mutate({
      ...stepInput(created.id, 0, 'tpl_a'),
      variables: { x: 1 },
    });
    expect(first).toMatchObject({ position: 0, template_id: 'tpl_a', delay_minutes: 0, variables: { x: 1 } });

    const steps = await client.campaigns.listSteps.query({ id: created.id });
    expect(steps.items.map((step) => [step.template_id, step.position])).toEqual([
      ['tpl_a', 0],
      ['tpl_b', 1],
    ]);

    // An instant with an offset means that instant; it comes back in UTC with milliseconds.
    const at = inAnHour();
    at.setUTCMilliseconds(0);
    const withOffset = `${new Date(at.getTime() + 2 * 3_600_000).toISOString().slice(0, 19)}+02:00`;
    const scheduled = await client.campaigns.schedule.mutate({ id: created.id, scheduled_at: withOffset });
    expect(scheduled.status).toBe('scheduled');
    expect(scheduled.scheduled_at).toBe(at.toISOString());
    expect(scheduled.published_at).toMatch(RFC3339_UTC_MS);

    const fetched = await client.campaigns.get.query({ id: created.id });
    expect(fetched).toEqual(scheduled);

    const cancelled = await client.campaigns.cancel.mutate({ id: created.id });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelled_at).toMatch(RFC3339_UTC_MS);
  });

  it('NOT_FOUND for a missing campaign, with the contract’s error code', async () => {
    const error = await failure(client.campaigns.get.query({ id: missingId() }));
    expect(error.data?.code).toBe('NOT_FOUND');
    expect(error.data?.httpStatus).toBe(404);
    expect(error.data?.error).toBe('not_found');
    expect(error.message).toBe('Campaign not found');
  });

  it('PRECONDITION_FAILED carries details.reason (and the rule’s other details)', async () => {
    const empty = await client.campaigns.create.mutate({ name: 'Empty', segment_id: 'seg_1' });
    const noSteps = await failure(
      client.campaigns.schedule.mutate({ id: empty.id, scheduled_at: inAnHour().toISOString() }),
    );
    expect(noSteps.data?.code).toBe('PRECONDITION_FAILED');
    expect(noSteps.data?.error).toBe('bad_state');
    expect(noSteps.data?.details).toEqual({ reason: 'no_steps' });

    const outOfRange = await failure(client.campaigns.addStep.mutate(stepInput(empty.id, 1)));
    expect(outOfRange.data?.details).toEqual({ reason: 'position_out_of_range', max_position: 0 });

    await client.campaigns.cancel.mutate({ id: empty.id });
    const cancelled = await failure(client.campaigns.addStep.mutate(stepInput(empty.id, 0)));
    expect(cancelled.data?.code).toBe('PRECONDITION_FAILED');
    expect(cancelled.data?.details).toEqual({ reason: 'invalid_status', status: 'cancelled' });
  });

  it('BAD_REQUEST carries details.issues with the failing paths', async () => {
    const blank = await failure(client.campaigns.create.mutate({ name: '', segment_id: 'seg_1' }));
    expect(blank.data?.code).toBe('BAD_REQUEST');
    expect(blank.data?.error).toBe('validation_failed');
    expect(blank.data?.details).toEqual({
      issues: [{ path: ['name'], message: expect.any(String) }],
      issue_count: 1,
    });

    const draft = await client.campaigns.create.mutate({ name: 'Validation', segment_id: 'seg_1' });
    const past = await failure(
      client.campaigns.schedule.mutate({
        id: draft.id,
        scheduled_at: new Date(Date.now() - 60_000).toISOString(),
      }),
    );
    expect(past.data?.details).toEqual({
      issues: [{ path: ['scheduled_at'], message: expect.any(String) }],
      issue_count: 1,
    });

    const noOffset = await failure(
      client.campaigns.schedule.mutate({ id: draft.id, scheduled_at: '2030-01-01T10:00:00' }),
    );
    expect(noOffset.data?.details).toEqual({
      issues: [{ path: ['scheduled_at'], message: expect.any(String) }],
      issue_count: 1,
    });

    const unknownKey = await failure(
      // A typo an untyped caller can make: unknown keys are rejected, not ignored.
      client.campaigns.create.mutate({ name: 'x', segment_id: 's', segmentid: 's' } as {
        name: string;
        segment_id: string;
      }),
    );
    expect(unknownKey.data?.details).toEqual({
      issues: [{ path: ['segmentid'], message: expect.any(String) }],
      issue_count: 1,
    });
  });
});

describe('batching', () => {
  it('calls made together travel in one batch and each gets its own result or error', async () => {
    const batched = harness.server.client(harness.token, { batch: true });
    const created = await batched.campaigns.create.mutate({ name: 'Batched', segment_id: 'seg_1' });
    const [campaign, steps, missing, list] = await Promise.all([
      batched.campaigns.get.query({ id: created.id }),
      batched.campaigns.listSteps.query({ id: created.id }),
      failure(batched.campaigns.get.query({ id: missingId() })),
      batched.campaigns.list.query({ limit: 100 }),
    ]);
    expect(campaign).toEqual(created);
    expect(steps).toEqual({ items: [] });
    expect(missing.data?.code).toBe('NOT_FOUND');
    expect(missing.data?.error).toBe('not_found');
    expect(list.items.map((item) => item.id)).toContain(created.id);

    const [step, invalid] = await Promise.all([
      batched.campaigns.addStep.mutate(stepInput(created.id, 0)),
      failure(batched.campaigns.addStep.mutate(stepInput(created.id, -1))),
    ]);
    expect(step.position).toBe(0);
    expect(invalid.data?.code).toBe('BAD_REQUEST');
    expect(invalid.data?.details).toEqual({
      issues: [expect.objectContaining({ path: ['position'] })],
      issue_count: 1,
    });
  });

  it('a batch is one HTTP request (the same client factory, counting its fetches)', async () => {
    const requests: string[] = [];
    const counted = createCampaignsClient({
      url: harness.server.url,
      token: harness.token,
      batch: true,
      fetch: (input, init) => {
        requests.push(String(input));
        return fetch(input, init);
      },
    });
    const results = await Promise.allSettled([
      counted.campaigns.list.query({}),
      counted.campaigns.get.query({ id: missingId() }),
      counted.campaigns.listSteps.query({ id: missingId() }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toContain('batch=1');
  });
});

describe('REST and tRPC agree', () => {
  it('the same campaign, steps and list over both surfaces', async () => {
    const created = await harness.rest<{ id: string }>('POST', CAMPAIGNS, {
      token: harness.token,
      body: { name: 'Both ways', segment_id: 'seg_2', description: 'Über 🚀' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await client.campaigns.addStep.mutate({
      ...stepInput(id, 0),
      variables: { nested: { list: [1, 'two', null] } },
    });
    const scheduled = await harness.rest('POST', `${CAMPAIGNS}/${id}/schedule`, {
      token: harness.token,
      body: { scheduled_at: inAnHour().toISOString() },
    });
    expect(scheduled.status).toBe(200);

    const viaRest = await harness.rest('GET', `${CAMPAIGNS}/${id}`, { token: harness.token });
    expect(viaRest.status).toBe(200);
    const viaTrpc = await client.campaigns.get.query({ id });
    expect(viaTrpc).toEqual(viaRest.body);
    expect(viaTrpc).toEqual(scheduled.body);

    const stepsViaRest = await harness.rest('GET', `${CAMPAIGNS}/${id}/steps`, { token: harness.token });
    expect(await client.campaigns.listSteps.query({ id })).toEqual(stepsViaRest.body);

    const listViaRest = await harness.rest('GET', `${CAMPAIGNS}?limit=5`, { token: harness.token });
    expect(await client.campaigns.list.query({ limit: 5 })).toEqual(listViaRest.body);
  });

  it('the same error code, message and details over both surfaces', async () => {
    const draft = await client.campaigns.create.mutate({ name: 'Errors', segment_id: 'seg_1' });
    const viaRest = await harness.rest<{ error: string; message: string; details: unknown }>(
      'POST',
      `${CAMPAIGNS}/${draft.id}/schedule`,
      { token: harness.token, body: { scheduled_at: inAnHour().toISOString() } },
    );
    expect(viaRest.status).toBe(412);
    const viaTrpc = await failure(
      client.campaigns.schedule.mutate({ id: draft.id, scheduled_at: inAnHour().toISOString() }),
    );
    expect({ error: viaTrpc.data?.error, message: viaTrpc.message, details: viaTrpc.data?.details }).toEqual(
      viaRest.body,
    );
  });
});
