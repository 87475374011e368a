import type { Campaign, CampaignEvent, Step } from '@campaigns/contract';
import { describe, expect, it } from 'vitest';
import {
  CAMPAIGNS,
  campaignPath,
  createCampaign,
  draftWithSteps,
  expectErrorBody,
  forceStatus,
  listSteps,
  trpcFailure,
} from '../support/campaigns';
import { useTestServer } from '../support/use-test-server';

// POST /v1/messaging/campaigns/{id}/duplicate (campaigns.duplicate), API.md "Duplicate and search".

const WINDOW = { time_zone: 'Europe/Berlin', days: ['sat'], start: '10:00', end: '12:00' };

const harness = useTestServer({}, { brand: 'brand_dup', sub: 'user_copier' });

const duplicate = (id: string, as = harness.token) =>
  harness.rest<Campaign>('POST', `${campaignPath(id)}/duplicate`, { token: as });

describe('duplicate', () => {
  it('makes a new draft with the same fields, window and steps in order, with new ids', async () => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 3);
    await harness.rest('PATCH', campaignPath(campaign.id), {
      token: harness.token,
      body: { description: 'Weekly', send_window: WINDOW },
    });
    await harness.rest('PATCH', `${campaignPath(campaign.id)}/steps/${steps[1]!.id}`, {
      token: harness.token,
      body: { delay_minutes: 45, variables: { offer: 'ten' } },
    });
    const source = await listSteps(harness.rest, harness.token, campaign.id);

    const response = await duplicate(campaign.id);
    expect(response.status, response.text).toBe(201);
    const copy = response.body;
    expect(copy).toMatchObject({
      name: `${campaign.name} (copy)`,
      description: 'Weekly',
      segment_id: campaign.segment_id,
      send_window: WINDOW,
      status: 'draft',
      scheduled_at: null,
      brand_id: 'brand_dup',
      created_by: 'user_copier',
    });
    expect(copy.id).not.toBe(campaign.id);

    const copied = await listSteps(harness.rest, harness.token, copy.id);
    const fields = (step: Step) => ({
      position: step.position,
      template_id: step.template_id,
      template_version_id: step.template_version_id,
      delay_minutes: step.delay_minutes,
      variables: step.variables,
    });
    expect(copied.map(fields)).toEqual(source.map(fields));
    expect(copied.every((step) => step.campaign_id === copy.id)).toBe(true);
    expect(new Set([...copied, ...source].map((step) => step.id)).size).toBe(6);

    // The audit trail of the copy: its creation and each step added, by the caller.
    const events = await harness.rest<{ items: CampaignEvent[] }>('GET', `${campaignPath(copy.id)}/events`, {
      token: harness.token,
    });
    expect(events.body.items.map((event) => event.action)).toEqual([
      'campaign.created',
      'step.added',
      'step.added',
      'step.added',
    ]);
  });

  it('works from every status, and over tRPC', async () => {
    for (const status of ['scheduled', 'sending', 'sent', 'cancelled'] as const) {
      const { campaign } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
      await forceStatus(harness.server.db, campaign.id, status);
      const response = await duplicate(campaign.id);
      expect(response.status, `${status}: ${response.text}`).toBe(201);
      expect(response.body.status).toBe('draft');
    }
    const source = await createCampaign(harness.rest, harness.token, {
      name: 'Via tRPC',
      segment_id: 'seg_1',
    });
    const copy = await harness.server.client(harness.token).campaigns.duplicate.mutate({ id: source.id });
    expect(copy).toMatchObject({ name: 'Via tRPC (copy)', status: 'draft' });
  });

  it('cuts a long name so that the whole fits 200 characters', async () => {
    const source = await createCampaign(harness.rest, harness.token, {
      name: 'n'.repeat(200),
      segment_id: 'seg_1',
    });
    const response = await duplicate(source.id);
    expect(response.body.name).toBe(`${'n'.repeat(193)} (copy)`);
    expect(response.body.name).toHaveLength(200);
    // Never half a character: an emoji that the cut would split goes whole.
    const emoji = await createCampaign(harness.rest, harness.token, {
      name: `${'n'.repeat(192)}😀x`,
      segment_id: 'seg_1',
    });
    expect((await duplicate(emoji.id)).body.name).toBe(`${'n'.repeat(192)} (copy)`);
  });

  it('is another brand’s 404 and needs the write scope', async () => {
    const source = await createCampaign(harness.rest, harness.token);
    const other = await harness.server.token({ brand: 'brand_other' });
    expectErrorBody(await duplicate(source.id, other), 404, 'not_found');
    const failure = await trpcFailure(
      harness.server.client(other).campaigns.duplicate.mutate({ id: source.id }),
    );
    expect(failure).toMatchObject({ code: 'NOT_FOUND' });
    const readOnly = await harness.server.token({ brand: 'brand_dup', scopes: ['messaging:campaigns:read'] });
    expectErrorBody(await duplicate(source.id, readOnly), 403, 'forbidden');
    const listed = await harness.rest<{ items: Campaign[] }>('GET', CAMPAIGNS, { token: other });
    expect(listed.body.items.some((item) => item.name.endsWith('(copy)'))).toBe(false);
  });

  it('replays with the same Idempotency-Key instead of copying twice', async () => {
    const source = await createCampaign(harness.rest, harness.token);
    const headers = { 'idempotency-key': `dup-${source.id}` };
    const first = await harness.rest<Campaign>('POST', `${campaignPath(source.id)}/duplicate`, {
      token: harness.token,
      headers,
    });
    const again = await harness.rest<Campaign>('POST', `${campaignPath(source.id)}/duplicate`, {
      token: harness.token,
      headers,
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
  });
});
