import { type Context, createCaller, createContextFactory } from '@campaigns/api';
import { SCOPES } from '@campaigns/contract';
import { type Clock, createHs256Verifier, signToken } from '@campaigns/core';
import { createPrismaClient, type PrismaClient } from '@campaigns/db';
import { createTestDatabase, type TestDatabase } from '@campaigns/db/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The rules through the router itself (createCallerFactory), against a real database, without HTTP:
// the state machine, scopes, tenancy, If-Match and idempotency as every surface gets them. The HTTP
// suites (apps/server/test) keep the wire: statuses, headers and bodies on both surfaces.

const SECRET = 'rules-secret-0123456789-0123456789-0123';
const NOW = new Date('2031-03-01T09:00:00.000Z');
const clock: Clock = { now: () => new Date(NOW) };
let database: TestDatabase;
let db: PrismaClient;
let contextFor: ReturnType<typeof createContextFactory>;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.url);
  contextFor = createContextFactory({ db, clock, tokens: createHs256Verifier(SECRET) });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

interface Caller {
  brand?: string;
  scopes?: string[];
  headers?: Record<string, string>;
}

async function callerAs({
  brand = 'brand_rules',
  scopes = Object.values(SCOPES),
  headers = {},
}: Caller = {}) {
  const token = await signToken(SECRET, { brandId: brand, sub: 'user_rules', scopes, expiresIn: '1h' });
  const ctx: Context = await contextFor({
    req: { headers: { authorization: `Bearer ${token}`, ...headers } },
  });
  return { api: createCaller(ctx), ctx };
}

/** The contract code and details of a call that must fail. */
async function failure(call: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, 'the call succeeded').toBeInstanceOf(TRPCError);
  const cause = (error as TRPCError).cause as
    | { code?: string; details?: Record<string, unknown> }
    | undefined;
  return { code: cause?.code ?? (error as TRPCError).code, details: cause?.details ?? {} };
}

const future = new Date(NOW.getTime() + 3_600_000).toISOString();

describe('the state machine, through the router', () => {
  it('schedules a draft with a step, refuses one without, and refuses a cancelled one', async () => {
    const { api } = await callerAs();
    const empty = await api.campaigns.create({ name: 'Empty', segment_id: 'seg_1' });
    expect(await failure(api.campaigns.schedule({ id: empty.id, scheduled_at: future }))).toEqual({
      code: 'bad_state',
      details: { reason: 'no_steps' },
    });

    const ready = await api.campaigns.create({ name: 'Ready', segment_id: 'seg_1' });
    await api.campaigns.addStep({
      id: ready.id,
      position: 0,
      template_id: 'tpl_1',
      template_version_id: 'tplv_1',
    });
    const scheduled = await api.campaigns.schedule({ id: ready.id, scheduled_at: future });
    expect(scheduled).toMatchObject({ status: 'scheduled', scheduled_at: future });

    await api.campaigns.cancel({ id: ready.id });
    expect(await failure(api.campaigns.schedule({ id: ready.id, scheduled_at: future }))).toEqual({
      code: 'bad_state',
      details: { reason: 'invalid_status', status: 'cancelled' },
    });
  });
});

describe('who may call what', () => {
  it('a token without the write scope reads but cannot change; another brand sees nothing', async () => {
    const { api } = await callerAs();
    const campaign = await api.campaigns.create({ name: 'Mine', segment_id: 'seg_1' });

    const { api: reader } = await callerAs({ scopes: [SCOPES.read] });
    expect((await reader.campaigns.get({ id: campaign.id })).id).toBe(campaign.id);
    expect(await failure(reader.campaigns.update({ id: campaign.id, name: 'Theirs' }))).toEqual({
      code: 'forbidden',
      details: { required_scope: SCOPES.write },
    });

    const { api: stranger } = await callerAs({ brand: 'brand_other' });
    expect((await failure(stranger.campaigns.get({ id: campaign.id }))).code).toBe('not_found');
    expect((await stranger.campaigns.list({})).items).toEqual([]);
  });
});

describe('If-Match and Idempotency-Key, through the router', () => {
  it('a change with a stale version is refused; with the current one it applies', async () => {
    const { api, ctx } = await callerAs();
    const campaign = await api.campaigns.create({ name: 'Versioned', segment_id: 'seg_1' });
    const etag = ctx.responseHeaders?.etag;
    expect(etag).toMatch(/^"/);

    await api.campaigns.update({ id: campaign.id, name: 'Moved on' });
    const { api: stale } = await callerAs({ headers: { 'if-match': etag ?? '' } });
    expect(await failure(stale.campaigns.update({ id: campaign.id, name: 'Stale' }))).toMatchObject({
      code: 'precondition_failed',
      details: { reason: 'version_mismatch' },
    });
    const { ctx: afterUpdate } = await callerAs();
    await createCaller(afterUpdate).campaigns.get({ id: campaign.id });
    const { api: current } = await callerAs({
      headers: { 'if-match': afterUpdate.responseHeaders?.etag ?? '' },
    });
    expect((await current.campaigns.update({ id: campaign.id, name: 'Current' })).name).toBe('Current');
  });

  it('a retried create with the same key returns the first result and creates nothing more', async () => {
    const headers = { 'idempotency-key': 'rules-create-1' };
    const first = await callerAs({ headers });
    const created = await first.api.campaigns.create({ name: 'Once', segment_id: 'seg_1' });
    const second = await callerAs({ headers });
    expect(await second.api.campaigns.create({ name: 'Once', segment_id: 'seg_1' })).toEqual(created);
    expect(second.ctx.responseHeaders?.['idempotent-replayed']).toBe('true');
    expect(await db.campaign.count({ where: { brandId: 'brand_rules', name: 'Once' } })).toBe(1);

    const third = await callerAs({ headers });
    expect((await failure(third.api.campaigns.create({ name: 'Other', segment_id: 'seg_1' }))).code).toBe(
      'conflict',
    );
  });

  it('a replayed failure is the same failure, and the change did not run twice', async () => {
    const { api } = await callerAs();
    const campaign = await api.campaigns.create({ name: 'No steps', segment_id: 'seg_1' });
    const headers = { 'idempotency-key': 'rules-schedule-1' };
    const attempt = () =>
      callerAs({ headers }).then(({ api: keyed }) =>
        failure(keyed.campaigns.schedule({ id: campaign.id, scheduled_at: future })),
      );
    const first = await attempt();
    expect(first).toEqual({ code: 'bad_state', details: { reason: 'no_steps' } });
    // A step added meanwhile does not change the stored answer: the retry is answered, not re-run.
    await api.campaigns.addStep({
      id: campaign.id,
      position: 0,
      template_id: 'tpl_1',
      template_version_id: 'tplv_1',
    });
    expect(await attempt()).toEqual(first);
    expect((await api.campaigns.get({ id: campaign.id })).status).toBe('draft');
  });
});
