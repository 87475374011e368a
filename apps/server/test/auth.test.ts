import { randomBytes } from 'node:crypto';
import { createCampaignsClient } from '@campaigns/client';
import { SCOPES } from '@campaigns/contract';
import { type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, trpcClientError } from './support/campaigns';
import { TEST_JWT_SECRET } from './support/harness';
import { useTestServer } from './support/use-test-server';

// API.md, Authentication and tenancy + Errors (401/403/404): over REST and over the typed tRPC client.

const CAMPAIGNS = '/v1/messaging/campaigns';
const future = () => new Date(Date.now() + 3_600_000).toISOString();
const nowSeconds = () => Math.floor(Date.now() / 1000);
const missingId = () => `cmp_${randomBytes(16).toString('hex')}`;

const harness = useTestServer();

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with exactly these claims, signed with `secret` (HS256 unless told otherwise). */
const sign = (claims: JWTPayload, secret = TEST_JWT_SECRET, alg = 'HS256') =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));

const goodClaims = (): JWTPayload => ({
  sub: 'user_test',
  brand_id: 'brand_test',
  scope: `${SCOPES.read} ${SCOPES.write}`,
  iat: nowSeconds(),
  exp: nowSeconds() + 3600,
});

const without = (claims: JWTPayload, key: string): JWTPayload =>
  Object.fromEntries(Object.entries(claims).filter(([name]) => name !== key));

/** Every way an Authorization header can fail to authenticate; `undefined` sends none. */
const BAD_CREDENTIALS: Array<{ name: string; header: () => Promise<string | undefined> }> = [
  { name: 'no Authorization header', header: async () => undefined },
  { name: 'an empty Authorization header', header: async () => '' },
  { name: 'Basic credentials', header: async () => 'Basic x' },
  { name: '"Bearer" with no token', header: async () => 'Bearer' },
  { name: '"Bearer " and a blank', header: async () => 'Bearer ' },
  { name: 'a token that is not a JWT', header: async () => 'Bearer not-a-jwt' },
  { name: 'three segments of garbage', header: async () => 'Bearer abc.def.ghi' },
  { name: 'a valid token without the scheme', header: () => sign(goodClaims()) },
  {
    name: 'a token signed with another secret',
    header: async () => `Bearer ${await sign(goodClaims(), 'another-secret-0123456789-0123456789-abcdef')}`,
  },
  {
    name: 'an expired token',
    header: async () => `Bearer ${await sign({ ...goodClaims(), exp: nowSeconds() - 60 })}`,
  },
  {
    name: 'an alg:none token',
    header: async () => `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(goodClaims())}.`,
  },
  {
    name: 'an alg:none token with a signature copied from a real token',
    header: async () => {
      const signature = (await sign(goodClaims())).split('.')[2];
      return `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(goodClaims())}.${signature}`;
    },
  },
  {
    name: 'an HS512 token signed with the right secret (only HS256 is accepted)',
    header: async () => `Bearer ${await sign(goodClaims(), TEST_JWT_SECRET, 'HS512')}`,
  },
  {
    name: 'a real token whose payload was swapped for another brand',
    header: async () => {
      const [head, , signature] = (await sign(goodClaims())).split('.');
      return `Bearer ${head}.${base64url({ ...goodClaims(), brand_id: 'brand_other' })}.${signature}`;
    },
  },
  { name: 'a token without exp', header: async () => `Bearer ${await sign(without(goodClaims(), 'exp'))}` },
  {
    name: 'a token without brand_id',
    header: async () => `Bearer ${await sign(without(goodClaims(), 'brand_id'))}`,
  },
  { name: 'a token without sub', header: async () => `Bearer ${await sign(without(goodClaims(), 'sub'))}` },
  {
    name: 'a token with an empty brand_id',
    header: async () => `Bearer ${await sign({ ...goodClaims(), brand_id: '' })}`,
  },
  {
    name: 'a token with a numeric brand_id',
    header: async () => `Bearer ${await sign({ ...goodClaims(), brand_id: 7 })}`,
  },
];

/** A typed client that sends exactly this Authorization header (or none). */
function clientWithHeader(header: string | undefined) {
  return createCampaignsClient({
    url: harness.server.url,
    token: '',
    batch: false,
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.delete('authorization');
      if (header !== undefined) headers.set('authorization', header);
      return fetch(input, { ...init, headers });
    },
  });
}

async function createCampaign(token: string, name = 'Auth check'): Promise<string> {
  const created = await harness.rest<{ id: string }>('POST', CAMPAIGNS, {
    token,
    body: { name, segment_id: 'seg_1' },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

describe('401 unauthorized', () => {
  it('a valid token is accepted on both surfaces (the control for the cases below)', async () => {
    const header = `Bearer ${await sign(goodClaims())}`;
    const listed = await harness.rest('GET', CAMPAIGNS, { headers: { authorization: header } });
    expect(listed.status).toBe(200);
    await expect(clientWithHeader(header).campaigns.list.query({})).resolves.toHaveProperty('items');
  });

  it.each(BAD_CREDENTIALS)(
    'REST: $name ⇒ 401 with WWW-Authenticate: Bearer, nothing done',
    async ({ header }) => {
      const value = await header();
      const headers: Record<string, string> = value === undefined ? {} : { authorization: value };
      const before = await harness.server.db.campaign.count();

      const read = await harness.rest('GET', CAMPAIGNS, { headers });
      expectError(read, 401, 'unauthorized');
      expect(read.headers.get('www-authenticate')).toMatch(/^Bearer\b/);

      const write = await harness.rest('POST', CAMPAIGNS, {
        headers,
        body: { name: 'Never', segment_id: 'seg_1' },
      });
      expectError(write, 401, 'unauthorized');
      expect(write.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      expect(await harness.server.db.campaign.count()).toBe(before);
    },
  );

  it.each(BAD_CREDENTIALS)('tRPC: $name ⇒ UNAUTHORIZED with error "unauthorized"', async ({ header }) => {
    const client = clientWithHeader(await header());
    const failure = await trpcClientError(client.campaigns.list.query({}));
    expect(failure.data?.code).toBe('UNAUTHORIZED');
    expect(failure.data?.httpStatus).toBe(401);
    expect(failure.data?.error).toBe('unauthorized');

    const write = await trpcClientError(
      client.campaigns.create.mutate({ name: 'Never', segment_id: 'seg_1' }),
    );
    expect(write.data?.code).toBe('UNAUTHORIZED');
    expect(write.data?.error).toBe('unauthorized');
  });

  it('says why: missing, malformed, invalid and expired tokens have their own messages', async () => {
    const expired = `Bearer ${await sign({ ...goodClaims(), exp: nowSeconds() - 60 })}`;
    const messages = await Promise.all(
      [undefined, 'Basic x', 'Bearer abc.def.ghi', expired].map(async (header) => {
        const response = await harness.rest('GET', CAMPAIGNS, {
          headers: header === undefined ? {} : { authorization: header },
        });
        return expectError(response, 401, 'unauthorized').message;
      }),
    );
    expect(new Set(messages).size).toBe(4);
    expect(messages[3]).toMatch(/expired/i);
  });

  it('authentication comes before validation: an invalid body without a token is 401, not 400', async () => {
    const response = await harness.rest('POST', `${CAMPAIGNS}/${missingId()}/steps`, {
      body: { position: 'x' },
    });
    expectError(response, 401, 'unauthorized');
  });
});

describe('403 forbidden: a valid token without the needed scope', () => {
  it('a read-only token cannot write (REST and tRPC), and nothing is written', async () => {
    const readOnly = await harness.server.token({ scopes: [SCOPES.read] });
    const id = await createCampaign(await harness.server.token());
    const before = await harness.server.db.campaign.count();

    const create = await harness.rest('POST', CAMPAIGNS, {
      token: readOnly,
      body: { name: 'No', segment_id: 'seg_1' },
    });
    expect(expectError(create, 403, 'forbidden').details).toEqual({ required_scope: SCOPES.write });
    const schedule = await harness.rest('POST', `${CAMPAIGNS}/${id}/schedule`, {
      token: readOnly,
      body: { scheduled_at: future() },
    });
    expect(expectError(schedule, 403, 'forbidden').details).toEqual({ required_scope: SCOPES.write });
    const step = await harness.rest('POST', `${CAMPAIGNS}/${id}/steps`, {
      token: readOnly,
      body: { position: 0, template_id: 't', template_version_id: 'v' },
    });
    expect(expectError(step, 403, 'forbidden').details).toEqual({ required_scope: SCOPES.write });

    const failure = await trpcClientError(
      harness.server.client(readOnly).campaigns.create.mutate({ name: 'No', segment_id: 'seg_1' }),
    );
    expect(failure.data?.code).toBe('FORBIDDEN');
    expect(failure.data?.error).toBe('forbidden');
    expect(failure.data?.details).toEqual({ required_scope: SCOPES.write });

    expect(await harness.server.db.campaign.count()).toBe(before);
    expect(await harness.server.db.step.count({ where: { campaignId: id } })).toBe(0);

    // ... but it can read.
    expect((await harness.rest('GET', `${CAMPAIGNS}/${id}`, { token: readOnly })).status).toBe(200);
  });

  it('a write-only token cannot read (REST and tRPC)', async () => {
    const writeOnly = await harness.server.token({ scopes: [SCOPES.write] });
    const id = await createCampaign(writeOnly);

    for (const path of [CAMPAIGNS, `${CAMPAIGNS}/${id}`, `${CAMPAIGNS}/${id}/steps`]) {
      const response = await harness.rest('GET', path, { token: writeOnly });
      expect(expectError(response, 403, 'forbidden').details).toEqual({ required_scope: SCOPES.read });
    }
    const failure = await trpcClientError(harness.server.client(writeOnly).campaigns.get.query({ id }));
    expect(failure.data?.code).toBe('FORBIDDEN');
    expect(failure.data?.error).toBe('forbidden');
    expect(failure.data?.details).toEqual({ required_scope: SCOPES.read });
  });

  it('a token with no scope at all can do nothing', async () => {
    const none = await harness.server.token({ scopes: [] });
    const read = await harness.rest('GET', CAMPAIGNS, { token: none });
    expect(expectError(read, 403, 'forbidden').details).toEqual({ required_scope: SCOPES.read });
    const write = await harness.rest('POST', CAMPAIGNS, {
      token: none,
      body: { name: 'No', segment_id: 'seg_1' },
    });
    expect(expectError(write, 403, 'forbidden').details).toEqual({ required_scope: SCOPES.write });
  });

  it('scopes are whole words: a scope that merely contains the needed one does not count', async () => {
    const token = await sign({ ...goodClaims(), scope: `${SCOPES.read}x ${SCOPES.write}:admin` });
    const response = await harness.rest('GET', CAMPAIGNS, { headers: { authorization: `Bearer ${token}` } });
    expectError(response, 403, 'forbidden');
  });
});

describe('tenancy: another brand’s campaign answers exactly like a missing one', () => {
  let ownerToken: string;
  let intruderToken: string;
  let campaignId: string;
  let stepId: string;

  beforeAll(async () => {
    ownerToken = await harness.server.token({ brand: 'brand_owner', sub: 'owner' });
    intruderToken = await harness.server.token({ brand: 'brand_intruder', sub: 'intruder' });
    campaignId = await createCampaign(ownerToken, 'Owner’s');
    const step = await harness.rest<{ id: string }>('POST', `${CAMPAIGNS}/${campaignId}/steps`, {
      token: ownerToken,
      body: { position: 0, template_id: 'tpl_1', template_version_id: 'tplv_1' },
    });
    expect(step.status).toBe(201);
    stepId = step.body.id;
  });

  const OPERATIONS: Array<{
    name: string;
    method: string;
    path: (id: string, step: string) => string;
    body?: object;
  }> = [
    { name: 'get', method: 'GET', path: (id) => `${CAMPAIGNS}/${id}` },
    {
      name: 'schedule',
      method: 'POST',
      path: (id) => `${CAMPAIGNS}/${id}/schedule`,
      body: { scheduled_at: future() },
    },
    {
      name: 'addStep',
      method: 'POST',
      path: (id) => `${CAMPAIGNS}/${id}/steps`,
      body: { position: 0, template_id: 't', template_version_id: 'v' },
    },
    { name: 'listSteps', method: 'GET', path: (id) => `${CAMPAIGNS}/${id}/steps` },
    { name: 'update', method: 'PATCH', path: (id) => `${CAMPAIGNS}/${id}`, body: { name: 'Hijacked' } },
    // A draft cannot be unscheduled: the owner would get 412, an intruder must not learn that.
    { name: 'unschedule', method: 'POST', path: (id) => `${CAMPAIGNS}/${id}/unschedule` },
    { name: 'cancel', method: 'POST', path: (id) => `${CAMPAIGNS}/${id}/cancel` },
    {
      name: 'updateStep',
      method: 'PATCH',
      path: (id, step) => `${CAMPAIGNS}/${id}/steps/${step}`,
      body: { template_id: 'hijacked' },
    },
    { name: 'removeStep', method: 'DELETE', path: (id, step) => `${CAMPAIGNS}/${id}/steps/${step}` },
  ];

  it.each(OPERATIONS)(
    'REST $name: same 404 body as for a missing campaign',
    async ({ method, path, body }) => {
      const foreign = await harness.rest(method, path(campaignId, stepId), { token: intruderToken, body });
      const missing = await harness.rest(method, path(missingId(), stepId), { token: intruderToken, body });
      expect(expectError(foreign, 404, 'not_found')).toEqual(expectError(missing, 404, 'not_found'));
      expect(foreign.headers.get('www-authenticate')).toBeNull();
    },
  );

  it('tRPC get/schedule/addStep/listSteps: NOT_FOUND exactly as for a missing campaign', async () => {
    const client = harness.server.client(intruderToken);
    const calls: Array<(id: string) => Promise<unknown>> = [
      (id) => client.campaigns.get.query({ id }),
      (id) => client.campaigns.schedule.mutate({ id, scheduled_at: future() }),
      (id) =>
        client.campaigns.addStep.mutate({ id, position: 0, template_id: 't', template_version_id: 'v' }),
      (id) => client.campaigns.listSteps.query({ id }),
      (id) => client.campaigns.cancel.mutate({ id }),
    ];
    for (const call of calls) {
      const foreign = await trpcClientError(call(campaignId));
      const missing = await trpcClientError(call(missingId()));
      expect(foreign.data?.code).toBe('NOT_FOUND');
      expect(foreign.data?.error).toBe('not_found');
      expect({ message: foreign.message, details: foreign.data?.details }).toEqual({
        message: missing.message,
        details: missing.data?.details,
      });
    }
  });

  it('the intruder’s attempts changed nothing, and its list does not show the campaign', async () => {
    const owned = await harness.rest<{ status: string; name: string }>('GET', `${CAMPAIGNS}/${campaignId}`, {
      token: ownerToken,
    });
    expect(owned.status).toBe(200);
    expect(owned.body).toMatchObject({ status: 'draft', name: 'Owner’s' });
    const steps = await harness.rest<{ items: Array<{ id: string; template_id: string }> }>(
      'GET',
      `${CAMPAIGNS}/${campaignId}/steps`,
      { token: ownerToken },
    );
    expect(steps.body.items).toEqual([expect.objectContaining({ id: stepId, template_id: 'tpl_1' })]);

    const listed = await harness.rest<{ items: Array<{ id: string }> }>('GET', CAMPAIGNS, {
      token: intruderToken,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((campaign) => campaign.id)).not.toContain(campaignId);
  });
});
