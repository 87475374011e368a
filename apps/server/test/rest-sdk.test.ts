import type { ApiErrorCode } from '@campaigns/contract';
import {
  type ApiError,
  type Campaign,
  createRestClient,
  type RestClient,
  type Step,
} from '@campaigns/rest-sdk';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { useTestServer } from './support/use-test-server';

// The generated REST SDK (@campaigns/rest-sdk) against the live server: what its types promise is what
// the server answers, successes and errors alike.

const MISSING_ID = 'cmp_00000000000000000000000000000000';
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

const harness = useTestServer();
let client: RestClient;

beforeAll(async () => {
  client = createRestClient({ baseUrl: harness.server.url, token: await harness.server.token() });
});

async function createDraft(name: string): Promise<Campaign> {
  const { data, response } = await client.POST('/v1/messaging/campaigns', {
    body: { name, segment_id: 'seg_sdk' },
  });
  expect(response.status).toBe(201);
  if (!data) throw new Error('no campaign');
  return data;
}

describe('the REST SDK against the live server', () => {
  it('create → add steps → schedule → read back, all typed', async () => {
    const campaign = await createDraft('Through the SDK');
    expectTypeOf(campaign.status).toEqualTypeOf<'draft' | 'scheduled' | 'sending' | 'sent' | 'cancelled'>();
    expect(campaign).toMatchObject({ status: 'draft', segment_id: 'seg_sdk', scheduled_at: null });
    const path = { id: campaign.id };

    for (const [position, template_id] of [
      [0, 'tpl_second'],
      [1, 'tpl_third'],
      [0, 'tpl_first'],
    ] as const) {
      const { data, response } = await client.POST('/v1/messaging/campaigns/{id}/steps', {
        params: { path },
        body: { position, template_id, template_version_id: 'tplv_1', delay_minutes: 5 },
      });
      expect(response.status).toBe(201);
      expectTypeOf(data).toEqualTypeOf<Step | undefined>();
      expect(data).toMatchObject({ campaign_id: campaign.id, position, template_id, variables: {} });
    }

    const scheduledAt = inAnHour();
    const scheduled = await client.POST('/v1/messaging/campaigns/{id}/schedule', {
      params: { path },
      body: { scheduled_at: scheduledAt },
    });
    expect(scheduled.response.status).toBe(200);
    expect(scheduled.data).toMatchObject({ id: campaign.id, status: 'scheduled', scheduled_at: scheduledAt });

    const read = await client.GET('/v1/messaging/campaigns/{id}', { params: { path } });
    expect(read.data).toEqual(scheduled.data);

    const steps = await client.GET('/v1/messaging/campaigns/{id}/steps', { params: { path } });
    expect(steps.data?.items.map((step) => [step.position, step.template_id])).toEqual([
      [0, 'tpl_first'],
      [1, 'tpl_second'],
      [2, 'tpl_third'],
    ]);

    const page = await client.GET('/v1/messaging/campaigns', {
      params: { query: { status: 'scheduled', limit: 100 } },
    });
    expect(page.data?.items.map((item) => item.id)).toContain(campaign.id);
    expect(page.data?.next_cursor).toBeNull();
  });

  it('404: an unknown campaign is `not_found`, the error typed as the Error schema', async () => {
    const { data, error, response } = await client.GET('/v1/messaging/campaigns/{id}', {
      params: { path: { id: MISSING_ID } },
    });
    expect(response.status).toBe(404);
    expect(data).toBeUndefined();
    expectTypeOf(error).toEqualTypeOf<ApiError | undefined>();
    expect(error).toMatchObject({ error: 'not_found', message: expect.any(String) });
  });

  it('412: scheduling a campaign without steps is `bad_state` with the reason in details', async () => {
    const campaign = await createDraft('No steps');
    const { data, error, response } = await client.POST('/v1/messaging/campaigns/{id}/schedule', {
      params: { path: { id: campaign.id } },
      body: { scheduled_at: inAnHour() },
    });
    expect(response.status).toBe(412);
    expect(data).toBeUndefined();
    if (!error) throw new Error('expected an error body');
    // Narrowed: `error` is the Error schema, so its fields are typed.
    expectTypeOf(error).toEqualTypeOf<ApiError>();
    // The document lists the contract's codes, so the generated type is their union.
    expectTypeOf(error.error).toEqualTypeOf<ApiErrorCode>();
    expect(error).toEqual({
      error: 'bad_state',
      message: expect.any(String),
      details: { reason: 'no_steps' },
    });
  });

  it('400: a past `scheduled_at` is `validation_failed`, with the field in details.issues', async () => {
    const campaign = await createDraft('In the past');
    const { error, response } = await client.POST('/v1/messaging/campaigns/{id}/schedule', {
      params: { path: { id: campaign.id } },
      body: { scheduled_at: '2020-01-01T00:00:00Z' },
    });
    expect(response.status).toBe(400);
    expect(error?.error).toBe('validation_failed');
    expect(error?.details?.issues).toEqual([expect.objectContaining({ path: ['scheduled_at'] })]);
  });

  it('400: what the SDK’s types reject, the server rejects too', async () => {
    const campaign = await createDraft('Wrong types');
    const { error, response } = await client.POST('/v1/messaging/campaigns/{id}/steps', {
      params: { path: { id: campaign.id } },
      body: {
        // @ts-expect-error position is an integer, not a string
        position: '0',
        template_id: 'tpl_1',
        template_version_id: 'tplv_1',
      },
    });
    expect(response.status).toBe(400);
    expect(error?.error).toBe('validation_failed');
  });

  it('401: without a token, the error body comes back typed as well', async () => {
    const anonymous = createRestClient({ baseUrl: `${harness.server.url}/` });
    const { error, response } = await anonymous.GET('/v1/messaging/campaigns');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(error?.error).toBe('unauthorized');
  });
});
