import { beforeAll, expect, it } from 'vitest';
import { useTestServer } from './support/use-test-server';

// trpc-to-openapi merges path parameters over the body: without a guard, `{"id": …}` in a body would be
// silently replaced by the path's id instead of being rejected like any other unknown key.

const harness = useTestServer();
let campaignId: string;

beforeAll(async () => {
  const created = await harness.rest<{ id: string }>('POST', '/v1/messaging/campaigns', {
    token: harness.token,
    body: { name: 'Path params', segment_id: 'seg_1' },
  });
  campaignId = created.body.id;
});

it.each([
  [
    'id',
    { id: 'cmp_00000000000000000000000000000000', position: 0, template_id: 't', template_version_id: 'v' },
  ],
  [
    'step_id',
    {
      step_id: 'stp_00000000000000000000000000000000',
      position: 0,
      template_id: 't',
      template_version_id: 'v',
    },
  ],
])(
  'a body key named like the path parameter %s is an unknown field, and nothing is written',
  async (key, body) => {
    const response = await harness.rest('POST', `/v1/messaging/campaigns/${campaignId}/steps`, {
      token: harness.token,
      body,
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'validation_failed',
      message: 'Input validation failed',
      details: { issues: [{ path: [key], message: 'Unknown field' }], issue_count: 1 },
    });
    expect(await harness.server.db.step.count({ where: { campaignId } })).toBe(0);
  },
);

it('the same body without the path key is accepted', async () => {
  const response = await harness.rest('POST', `/v1/messaging/campaigns/${campaignId}/steps`, {
    token: harness.token,
    body: { position: 0, template_id: 't', template_version_id: 'v' },
  });
  expect(response.status).toBe(201);
});
