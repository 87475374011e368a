import { versionOf, withIfMatch } from '@campaigns/client';
import type { Campaign, Step } from '@campaigns/contract';
import { describe, expect, it } from 'vitest';
import {
  CAMPAIGNS,
  campaignPath,
  createCampaign,
  draftWithSteps,
  expectErrorBody,
  forceStatus,
  getCampaign,
  MISSING_CAMPAIGN,
  snapshot,
  stepPath,
  stepsPath,
  trpcFailure,
} from '../support/campaigns';
import { TestClock } from '../support/clock';
import { useTestServer } from '../support/use-test-server';

// API.md, "Optimistic concurrency (ETag / If-Match)": the campaign is the unit; its version is
// `"<updated_at>"`, strictly increasing; If-Match on every change, If-None-Match on GET.

// Frozen unless a test moves it: two changes in the same millisecond must still give two versions.
const clock = new TestClock(Date.parse('2030-05-01T10:00:00.000Z'));
const harness = useTestServer({ clock }, { brand: 'brand_versions' });

const etag = (campaign: { updated_at: string }) => `"${campaign.updated_at}"`;
const patch = (id: string, body: object, headers: Record<string, string> = {}) =>
  harness.rest<Campaign>('PATCH', campaignPath(id), { token: harness.token, body, headers });

describe('ETag', () => {
  it('is on every REST response that returns a Campaign, and it is "<updated_at>"', async () => {
    const created = await harness.rest<Campaign>('POST', CAMPAIGNS, {
      token: harness.token,
      body: { name: 'V', segment_id: 's' },
    });
    expect(created.headers.get('etag')).toBe(etag(created.body));
    const got = await harness.rest<Campaign>('GET', campaignPath(created.body.id), { token: harness.token });
    expect(got.headers.get('etag')).toBe(etag(got.body));
    const updated = await patch(created.body.id, { name: 'V2' });
    expect(updated.headers.get('etag')).toBe(etag(updated.body));
    const copy = await harness.rest<Campaign>('POST', `${campaignPath(created.body.id)}/duplicate`, {
      token: harness.token,
    });
    expect(copy.headers.get('etag')).toBe(etag(copy.body));
  });

  it('on a Step response is the campaign’s new version', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const added = await harness.rest<Step>('POST', stepsPath(campaign.id), {
      token: harness.token,
      body: { position: 0, template_id: 't', template_version_id: 'v' },
    });
    expect(added.status).toBe(201);
    const afterAdd = await getCampaign(harness.rest, harness.token, campaign.id);
    expect(added.headers.get('etag')).toBe(etag(afterAdd));
    expect(afterAdd.updated_at > campaign.updated_at).toBe(true);

    const edited = await harness.rest<Step>('PATCH', stepPath(campaign.id, added.body.id), {
      token: harness.token,
      body: { delay_minutes: 5 },
    });
    expect(edited.headers.get('etag')).toBe(
      etag(await getCampaign(harness.rest, harness.token, campaign.id)),
    );
    const removed = await harness.rest('DELETE', stepPath(campaign.id, added.body.id), {
      token: harness.token,
    });
    expect(removed.headers.get('etag')).toBe(
      etag(await getCampaign(harness.rest, harness.token, campaign.id)),
    );
  });

  it('moves on every change, by at least 1 ms, even when the clock has not moved', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const seen = [campaign.updated_at];
    for (let k = 0; k < 3; k++) seen.push((await patch(campaign.id, { name: `N${k}` })).body.updated_at);
    const millis = seen.map((at) => Date.parse(at));
    expect(millis.slice(1).map((ms, k) => ms - millis[k]!)).toEqual([1, 1, 1]);
  });

  it('is not on errors, nor on tRPC responses (a tRPC caller reads updated_at)', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    await forceStatus(harness.server.db, campaign.id, 'sent');
    const refused = await patch(campaign.id, { name: 'x' });
    expect(refused.status).toBe(412);
    expect(refused.headers.get('etag')).toBeNull();
    const input = encodeURIComponent(JSON.stringify({ json: { id: campaign.id } }));
    const viaTrpc = await fetch(`${harness.server.url}/trpc/campaigns.get?input=${input}`, {
      headers: { authorization: `Bearer ${harness.token}` },
    });
    expect(viaTrpc.status).toBe(200);
    expect(viaTrpc.headers.get('etag')).toBeNull();
  });
});

describe('If-None-Match on GET', () => {
  it('is 304 without a body while the version is current, 200 once it changed', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    for (const header of [etag(campaign), `W/${etag(campaign)}`, `"other", ${etag(campaign)}`, '*']) {
      const response = await harness.rest('GET', campaignPath(campaign.id), {
        token: harness.token,
        headers: { 'if-none-match': header },
      });
      expect(response.status, header).toBe(304);
      expect(response.text).toBe('');
      expect(response.headers.get('etag')).toBe(etag(campaign));
    }
    const updated = (await patch(campaign.id, { name: 'Changed' })).body;
    const stale = await harness.rest<Campaign>('GET', campaignPath(campaign.id), {
      token: harness.token,
      headers: { 'if-none-match': etag(campaign) },
    });
    expect(stale.status).toBe(200);
    expect(stale.body).toEqual(updated);
  });
});

describe('If-Match on changes', () => {
  it('applies a change to the version named, and refuses a stale one with version_mismatch, changing nothing', async () => {
    const campaign = await createCampaign(harness.rest, harness.token, { name: 'Mine', segment_id: 's' });
    const current = await patch(campaign.id, { name: 'Mine 2' }, { 'if-match': etag(campaign) });
    expect(current.status, current.text).toBe(200);

    const stored = await snapshot(harness.server.db, campaign.id);
    const stale = await patch(campaign.id, { name: 'Lost update' }, { 'if-match': etag(campaign) });
    expectErrorBody(stale, 412, 'precondition_failed', {
      reason: 'version_mismatch',
      current_etag: etag(current.body),
    });
    expect(await snapshot(harness.server.db, campaign.id)).toEqual(stored);

    // `*` is any version; a weak tag never matches If-Match (strong comparison).
    expect((await patch(campaign.id, { name: 'Any' }, { 'if-match': '*' })).status).toBe(200);
    const weak = await patch(
      campaign.id,
      { name: 'Weak' },
      { 'if-match': `W/${etag(await getCampaign(harness.rest, harness.token, campaign.id))}` },
    );
    expect(weak.status).toBe(412);
  });

  it('guards every change of the campaign and of its steps', async () => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 2);
    const stale = { 'if-match': '"2000-01-01T00:00:00.000Z"' };
    const changes: Array<[string, string, object | undefined]> = [
      ['PATCH', campaignPath(campaign.id), { name: 'x' }],
      ['POST', `${campaignPath(campaign.id)}/schedule`, { scheduled_at: '2031-01-01T00:00:00Z' }],
      ['POST', `${campaignPath(campaign.id)}/cancel`, undefined],
      ['POST', stepsPath(campaign.id), { position: 0, template_id: 't', template_version_id: 'v' }],
      ['PATCH', stepPath(campaign.id, steps[0]!.id), { delay_minutes: 3 }],
      ['DELETE', stepPath(campaign.id, steps[0]!.id), undefined],
    ];
    const stored = await snapshot(harness.server.db, campaign.id);
    for (const [method, path, body] of changes) {
      const response = await harness.rest(method, path, {
        token: harness.token,
        headers: stale,
        ...(body ? { body } : {}),
      });
      expectErrorBody(response, 412, 'precondition_failed');
    }
    expect(await snapshot(harness.server.db, campaign.id)).toEqual(stored);

    await harness.rest('POST', `${campaignPath(campaign.id)}/schedule`, {
      token: harness.token,
      body: { scheduled_at: '2031-01-01T00:00:00Z' },
    });
    const unschedule = await harness.rest('POST', `${campaignPath(campaign.id)}/unschedule`, {
      token: harness.token,
      headers: stale,
    });
    expectErrorBody(unschedule, 412, 'precondition_failed');
  });

  it('is checked after 404 and before the state rules', async () => {
    const stale = { 'if-match': '"2000-01-01T00:00:00.000Z"' };
    expectErrorBody(await patch(MISSING_CAMPAIGN, { name: 'x' }, stale), 404, 'not_found');
    const sent = await createCampaign(harness.rest, harness.token);
    await forceStatus(harness.server.db, sent.id, 'sent');
    const details = expectErrorBody(await patch(sent.id, { name: 'x' }, stale), 412, 'precondition_failed');
    expect(details.reason).toBe('version_mismatch');
    // With the current version, the state rule answers.
    const current = await getCampaign(harness.rest, harness.token, sent.id);
    expectErrorBody(await patch(sent.id, { name: 'x' }, { 'if-match': etag(current) }), 412, 'bad_state', {
      reason: 'invalid_status',
      status: 'sent',
    });
  });

  it('is part of the idempotency fingerprint, and a replay carries the first ETag', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    const headers = { 'idempotency-key': `v-${campaign.id}`, 'if-match': etag(campaign) };
    const first = await patch(campaign.id, { name: 'Once' }, headers);
    const again = await patch(campaign.id, { name: 'Once' }, headers);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.body).toEqual(first.body);
    const otherVersion = await patch(
      campaign.id,
      { name: 'Once' },
      { ...headers, 'if-match': etag(first.body) },
    );
    expectErrorBody(otherVersion, 409, 'conflict', { reason: 'idempotency_key_reused' });
  });
});

describe('If-Match over tRPC', () => {
  it('is a per-call header of the typed client: a stale version is PRECONDITION_FAILED with the same details', async () => {
    const client = harness.server.client(harness.token, { batch: true });
    const campaign = await client.campaigns.create.mutate({ name: 'T', segment_id: 's' });
    const renamed = await client.campaigns.update.mutate(
      { id: campaign.id, name: 'T2' },
      withIfMatch(campaign),
    );
    expect(versionOf(renamed)).not.toBe(versionOf(campaign));
    const failure = await trpcFailure(
      client.campaigns.update.mutate({ id: campaign.id, name: 'T3' }, withIfMatch(campaign)),
    );
    expect(failure).toMatchObject({
      code: 'PRECONDITION_FAILED',
      error: 'precondition_failed',
      details: { reason: 'version_mismatch', current_etag: versionOf(renamed) },
    });
    // A call without it, batched with others, is unconditional as before.
    const [read, again] = await Promise.all([
      client.campaigns.get.query({ id: campaign.id }),
      client.campaigns.update.mutate({ id: campaign.id, name: 'T4' }),
    ]);
    expect(read.id).toBe(campaign.id);
    expect(again.name).toBe('T4');
  });
});
