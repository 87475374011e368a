import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { useTestServer } from './support/use-test-server';

// The user's two API reference pages, kept verbatim as fixtures: live responses must validate.
interface SeedFixture {
  method: string;
  path: string;
  requestBody: object;
  responses: Record<string, { description: string; schema: object }>;
}
const seed = (name: string): SeedFixture =>
  JSON.parse(readFileSync(new URL(`./fixtures/seeds/${name}.json`, import.meta.url), 'utf8')) as SeedFixture;
const scheduleSeed = seed('schedule-campaign');
const addStepSeed = seed('add-step');

const ajv = new Ajv2020({ strict: false, allErrors: true });
function expectMatchesSeed(fixture: SeedFixture, status: number, body: unknown) {
  const response = fixture.responses[String(status)];
  if (!response) throw new Error(`the seed declares no ${status} response for ${fixture.path}`);
  const validate = ajv.compile(response.schema);
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
}

const ERROR_KEYS = ['details', 'error', 'message'];
const future = () => new Date(Date.now() + 3_600_000).toISOString();

const harness = useTestServer();

async function draftWithStep(): Promise<string> {
  const created = await harness.rest<{ id: string }>('POST', '/v1/messaging/campaigns', {
    token: harness.token,
    body: { name: 'Seed check', segment_id: 'seg_1' },
  });
  expect(created.status).toBe(201);
  const step = await harness.rest('POST', `/v1/messaging/campaigns/${created.body.id}/steps`, {
    token: harness.token,
    body: { position: 0, template_id: 'tpl_1', template_version_id: 'tplv_1' },
  });
  expect(step.status).toBe(201);
  return created.body.id;
}

describe('POST /v1/messaging/campaigns/{id}/schedule (seed 000)', () => {
  it('answers 200 with a Campaign that validates against the seed', async () => {
    const id = await draftWithStep();
    const response = await harness.rest('POST', `/v1/messaging/campaigns/${id}/schedule`, {
      token: harness.token,
      body: { scheduled_at: future() },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expectMatchesSeed(scheduleSeed, 200, response.body);
  });

  it('answers 404 with the seed error body', async () => {
    const response = await harness.rest(
      'POST',
      '/v1/messaging/campaigns/cmp_00000000000000000000000000000000/schedule',
      {
        token: harness.token,
        body: { scheduled_at: future() },
      },
    );
    expect(response.status).toBe(404);
    expectMatchesSeed(scheduleSeed, 404, response.body);
    expect(Object.keys(response.body as object).sort()).toEqual(ERROR_KEYS);
  });

  it('answers 412 with the seed error body', async () => {
    const id = await draftWithStep();
    await harness.rest('POST', `/v1/messaging/campaigns/${id}/cancel`, { token: harness.token });
    const response = await harness.rest('POST', `/v1/messaging/campaigns/${id}/schedule`, {
      token: harness.token,
      body: { scheduled_at: future() },
    });
    expect(response.status).toBe(412);
    expectMatchesSeed(scheduleSeed, 412, response.body);
    expect(Object.keys(response.body as object).sort()).toEqual(ERROR_KEYS);
  });
});

describe('POST /v1/messaging/campaigns/{id}/steps (seed 004)', () => {
  it('answers 201 with a Step that validates against the seed', async () => {
    const created = await harness.rest<{ id: string }>('POST', '/v1/messaging/campaigns', {
      token: harness.token,
      body: { name: 'Steps', segment_id: 'seg_1' },
    });
    const response = await harness.rest('POST', `/v1/messaging/campaigns/${created.body.id}/steps`, {
      token: harness.token,
      body: {
        position: 0,
        template_id: 'tpl_1',
        template_version_id: 'tplv_1',
        delay_minutes: 5,
        variables: { a: 1 },
      },
    });
    expect(response.status).toBe(201);
    expectMatchesSeed(addStepSeed, 201, response.body);
  });

  it('accepts exactly the seed request body and rejects what the seed schema forbids', async () => {
    const validRequest = ajv.compile(addStepSeed.requestBody);
    expect(validRequest({ position: 0, template_id: 't', template_version_id: 'v' })).toBe(true);
    expect(validRequest({ position: -1, template_id: 't', template_version_id: 'v' })).toBe(false);
  });

  it('answers 404 and 412 with the seed error body', async () => {
    const missing = await harness.rest(
      'POST',
      '/v1/messaging/campaigns/cmp_00000000000000000000000000000000/steps',
      {
        token: harness.token,
        body: { position: 0, template_id: 't', template_version_id: 'v' },
      },
    );
    expect(missing.status).toBe(404);
    expectMatchesSeed(addStepSeed, 404, missing.body);

    const id = await draftWithStep();
    const outOfRange = await harness.rest('POST', `/v1/messaging/campaigns/${id}/steps`, {
      token: harness.token,
      body: { position: 7, template_id: 't', template_version_id: 'v' },
    });
    expect(outOfRange.status).toBe(412);
    expectMatchesSeed(addStepSeed, 412, outOfRange.body);
    expect(Object.keys(outOfRange.body as object).sort()).toEqual(ERROR_KEYS);
  });
});
