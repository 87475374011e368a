import { REQUEST_LIMITS } from '@campaigns/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../support/use-test-server';

// Issue 12 / API.md, Limits: REST and tRPC refuse and accept the same requests — media types,
// prototype keys, nesting, batch size — and both check the token before reading the body.

const CAMPAIGNS = '/v1/messaging/campaigns';
const STEP = { position: 0, template_id: 'tpl', template_version_id: 'v1' };

/** An object `levels` deep: `{"a":{"a":…{"a":1}…}}`. */
const nested = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
};

const harness = useTestServer({ http: { rateLimitPerMinute: 100_000 } });
let draftId: string;

/** A raw tRPC mutation over HTTP, as httpLink sends it (superjson's `{"json": …}` envelope). */
async function trpcMutation(procedure: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${harness.server.url}/trpc/${procedure}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.token}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as unknown, headers: response.headers };
}

const trpcError = (body: unknown) =>
  (body as { error: { json: { data: { error: string; details: Record<string, unknown> } } } }).error.json
    .data;

beforeAll(async () => {
  draftId = (
    await harness.server.client(harness.token).campaigns.create.mutate({ name: 'Rules', segment_id: 'seg' })
  ).id;
});

describe('one rule for both surfaces', () => {
  it('media types are case-insensitive: Application/JSON is JSON on REST and on tRPC', async () => {
    const type = { 'content-type': 'Application/JSON; Charset=UTF-8' };
    const onRest = await harness.rest('POST', CAMPAIGNS, {
      token: harness.token,
      raw: JSON.stringify({ name: 'Case', segment_id: 's' }),
      headers: type,
    });
    expect(onRest.status).toBe(201);
    const onTrpc = await trpcMutation(
      'campaigns.create',
      JSON.stringify({ json: { name: 'Case', segment_id: 's' } }),
      type,
    );
    expect(onTrpc.status).toBe(200);
  });

  it('a __proto__ key is refused with 400 on both, saying why', async () => {
    const onRest = await harness.rest<{ error: string; message: string }>(
      'POST',
      `${CAMPAIGNS}/${draftId}/steps`,
      {
        token: harness.token,
        raw: `{"position":0,"template_id":"t","template_version_id":"v","variables":{"__proto__":{"x":1}}}`,
        headers: { 'content-type': 'application/json' },
      },
    );
    expect(onRest.status).toBe(400);
    expect(onRest.body.error).toBe('validation_failed');
    const onTrpc = await trpcMutation(
      'campaigns.addStep',
      `{"json":{"id":"${draftId}","position":0,"template_id":"t","template_version_id":"v","variables":{"__proto__":{"x":1}}}}`,
    );
    expect(onTrpc.status).toBe(400);
    expect(trpcError(onTrpc.body).error).toBe('validation_failed');
    expect((onTrpc.body as { error: { json: { message: string } } }).error.json.message).toBe(
      onRest.body.message,
    );
    expect(await harness.server.db.step.count({ where: { campaignId: draftId } })).toBe(0);
  });

  it('nesting is counted the same way: a 32-level input is accepted, 33 levels refused, on both', async () => {
    // The step object is level 1, so variables may nest 31 levels.
    const fits = { ...STEP, variables: nested(31) };
    const tooDeep = { ...STEP, variables: nested(32) };
    expect(
      (await harness.rest('POST', `${CAMPAIGNS}/${draftId}/steps`, { token: harness.token, body: tooDeep }))
        .status,
    ).toBe(400);
    const refused = await trpcMutation(
      'campaigns.addStep',
      JSON.stringify({ json: { id: draftId, ...tooDeep } }),
    );
    expect(refused.status).toBe(400);
    const batched = await fetch(`${harness.server.url}/trpc/campaigns.addStep?batch=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ 0: { json: { id: draftId, ...tooDeep } } }),
    });
    expect(batched.status).toBe(400);

    expect(
      (await harness.rest('POST', `${CAMPAIGNS}/${draftId}/steps`, { token: harness.token, body: fits }))
        .status,
    ).toBe(201);
    const accepted = await trpcMutation(
      'campaigns.addStep',
      JSON.stringify({ json: { id: draftId, ...fits } }),
    );
    expect(accepted.status).toBe(200);
  });
});

describe('tRPC batches', () => {
  const createBatch = (n: number) => ({
    path: `/trpc/${Array.from({ length: n }, () => 'campaigns.create').join(',')}?batch=1`,
    body: JSON.stringify(
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [i, { json: { name: `Batch ${n}`, segment_id: 's' } }]),
      ),
    ),
  });
  const post = (request: { path: string; body: string }) =>
    fetch(`${harness.server.url}${request.path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.token}`, 'content-type': 'application/json' },
      body: request.body,
    });

  it(`more than ${REQUEST_LIMITS.trpcMaxBatch} calls: 400 batch_too_large, and none of them runs`, async () => {
    const response = await post(createBatch(REQUEST_LIMITS.trpcMaxBatch + 1));
    expect(response.status).toBe(400);
    const data = trpcError(await response.json());
    expect(data.error).toBe('validation_failed');
    expect(data.details).toMatchObject({ reason: 'batch_too_large', limit: REQUEST_LIMITS.trpcMaxBatch });
    expect(
      await harness.server.db.campaign.count({ where: { name: `Batch ${REQUEST_LIMITS.trpcMaxBatch + 1}` } }),
    ).toBe(0);
  });

  it(`${REQUEST_LIMITS.trpcMaxBatch} calls are one batch, each counted by the rate limit`, async () => {
    const response = await post(createBatch(REQUEST_LIMITS.trpcMaxBatch));
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(REQUEST_LIMITS.trpcMaxBatch);
    expect(response.headers.get('ratelimit')).toMatch(/^"per-token";r=\d+;t=\d+$/);
  });

  it('the typed client never sends a batch the server refuses: 120 calls in one tick all succeed', async () => {
    const client = harness.server.client(harness.token, { batch: true });
    const campaigns = await Promise.all(
      Array.from({ length: 120 }, () => client.campaigns.get.query({ id: draftId })),
    );
    expect(campaigns.every((campaign) => campaign.id === draftId)).toBe(true);
  });
});

describe('the token is checked before the body is read', () => {
  it('REST: no token and a malformed body ⇒ 401, not 400', async () => {
    const response = await harness.rest<{ error: string }>('POST', `${CAMPAIGNS}/${draftId}/steps`, {
      raw: '{"position":',
    });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('unauthorized');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('tRPC: no token and a malformed body ⇒ 401 for each call of the batch', async () => {
    const response = await fetch(`${harness.server.url}/trpc/campaigns.create,campaigns.addStep?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"0":',
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as unknown[];
    expect(body).toHaveLength(2);
    for (const item of body) expect(trpcError(item).error).toBe('unauthorized');
  });

  it('RateLimit and RateLimit-Policy headers on both surfaces (IETF draft)', async () => {
    const onRest = await harness.rest('GET', `${CAMPAIGNS}/${draftId}`, { token: harness.token });
    expect(onRest.headers.get('ratelimit-policy')).toBe('"per-token";q=100000;w=60');
    expect(onRest.headers.get('ratelimit')).toMatch(/^"per-token";r=\d+;t=\d+$/);
    const onTrpc = await fetch(
      `${harness.server.url}/trpc/campaigns.get?input=${encodeURIComponent(JSON.stringify({ json: { id: draftId } }))}`,
      {
        headers: { authorization: `Bearer ${harness.token}` },
      },
    );
    expect(onTrpc.status).toBe(200);
    expect(onTrpc.headers.get('ratelimit-policy')).toBe('"per-token";q=100000;w=60');
  });
});

describe('a POST that takes no body does exactly what the document says', () => {
  it('unschedule and cancel: no body or {} is accepted, a field is 400; the document declares an optional empty object', async () => {
    const document = (
      await harness.rest<{
        paths: Record<
          string,
          Record<
            string,
            { requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> } }
          >
        >;
      }>('GET', '/openapi.json')
    ).body;
    for (const action of ['cancel', 'unschedule']) {
      const body = document.paths[`${CAMPAIGNS}/{id}/${action}`]?.post?.requestBody;
      expect(body?.required, action).toBe(false);
      expect(body?.content['application/json']?.schema).toMatchObject({
        maxProperties: 0,
        additionalProperties: false,
      });
    }
    const campaign = async () => {
      const id = (
        await harness.server
          .client(harness.token)
          .campaigns.create.mutate({ name: 'No body', segment_id: 's' })
      ).id;
      await harness.server.client(harness.token).campaigns.addStep.mutate({ id, ...STEP });
      return id;
    };
    const bare = await campaign();
    expect((await harness.rest('POST', `${CAMPAIGNS}/${bare}/cancel`, { token: harness.token })).status).toBe(
      200,
    );
    const empty = await campaign();
    expect(
      (await harness.rest('POST', `${CAMPAIGNS}/${empty}/cancel`, { token: harness.token, body: {} })).status,
    ).toBe(200);
    const field = await campaign();
    const refused = await harness.rest<{ details: { issues: Array<{ path: string[] }> } }>(
      'POST',
      `${CAMPAIGNS}/${field}/cancel`,
      {
        token: harness.token,
        body: { reason: 'x' },
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.details.issues[0]?.path).toEqual(['reason']);
  });
});
