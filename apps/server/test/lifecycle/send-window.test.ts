import type { Campaign, SendWindow } from '@campaigns/contract';
import { describe, expect, it } from 'vitest';
import {
  CAMPAIGNS,
  campaignPath,
  createCampaign,
  expectErrorBody,
  expectValidationIssueAt,
  forceStatus,
  getCampaign,
  snapshot,
  trpcFailure,
} from '../support/campaigns';
import { useTestServer } from '../support/use-test-server';

// send_window on create and update (API.md, "Send windows"), and trimmed names and segments (Campaign).

const WINDOW: SendWindow = {
  time_zone: 'Europe/Berlin',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  start: '09:00',
  end: '20:00',
};

const harness = useTestServer();

const create = (body: Record<string, unknown>) =>
  harness.rest<Campaign>('POST', CAMPAIGNS, {
    token: harness.token,
    body: { name: 'Windowed', segment_id: 'seg_1', ...body },
  });

describe('send_window', () => {
  it('is null by default and returned in every Campaign', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    expect(campaign.send_window).toBeNull();
    const listed = await harness.rest<{ items: Campaign[] }>('GET', CAMPAIGNS, { token: harness.token });
    expect(listed.body.items.every((item) => 'send_window' in item)).toBe(true);
  });

  it('is set on create, replaced wholesale on update, and removed with null, on both surfaces', async () => {
    const created = await create({ send_window: WINDOW });
    expect(created.status, created.text).toBe(201);
    expect(created.body.send_window).toEqual(WINDOW);
    expect((await getCampaign(harness.rest, harness.token, created.body.id)).send_window).toEqual(WINDOW);

    const weekend = { time_zone: 'America/New_York', days: ['sat', 'sun'], start: '10:00', end: '24:00' };
    const replaced = await harness.rest<Campaign>('PATCH', campaignPath(created.body.id), {
      token: harness.token,
      body: { send_window: weekend },
    });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.body.send_window).toEqual(weekend);

    const client = harness.server.client(harness.token);
    const removed = await client.campaigns.update.mutate({ id: created.body.id, send_window: null });
    expect(removed.send_window).toBeNull();
    const viaTrpc = await client.campaigns.create.mutate({ name: 'T', segment_id: 's', send_window: WINDOW });
    expect(viaTrpc.send_window).toEqual(WINDOW);
  });

  it('refuses invalid zones, days and times with 400 on the field’s path, and writes nothing', async () => {
    const cases: Array<[Record<string, unknown>, (string | number)[]]> = [
      [{ ...WINDOW, time_zone: 'Europe/Atlantis' }, ['send_window', 'time_zone']],
      [{ ...WINDOW, days: [] }, ['send_window', 'days']],
      [{ ...WINDOW, days: ['mon', 'mon'] }, ['send_window', 'days']],
      [{ ...WINDOW, days: ['funday'] }, ['send_window', 'days', 0]],
      [{ ...WINDOW, start: '25:00' }, ['send_window', 'start']],
      [{ ...WINDOW, end: '24:30' }, ['send_window', 'end']],
      [{ ...WINDOW, start: '20:00', end: '09:00' }, ['send_window', 'end']],
    ];
    const before = await harness.server.db.campaign.count();
    for (const [sendWindow, path] of cases) {
      expectValidationIssueAt(await create({ send_window: sendWindow }), path);
    }
    expect(await harness.server.db.campaign.count()).toBe(before);

    const failure = await trpcFailure(
      harness.server.client(harness.token).campaigns.create.mutate({
        name: 'T',
        segment_id: 's',
        send_window: { ...WINDOW, time_zone: 'Nowhere/Special' },
      }),
    );
    expect(failure).toMatchObject({ code: 'BAD_REQUEST', error: 'validation_failed' });
  });

  it('can be changed only while the campaign is a draft', async () => {
    const campaign = await createCampaign(harness.rest, harness.token);
    await forceStatus(harness.server.db, campaign.id, 'scheduled');
    const stored = await snapshot(harness.server.db, campaign.id);
    const response = await harness.rest('PATCH', campaignPath(campaign.id), {
      token: harness.token,
      body: { send_window: WINDOW },
    });
    expectErrorBody(response, 412, 'bad_state', { reason: 'invalid_status', status: 'scheduled' });
    expect(await snapshot(harness.server.db, campaign.id)).toEqual(stored);
  });
});

describe('trimmed names and segments', () => {
  it('stores name and segment_id trimmed, on create and update', async () => {
    const created = await create({ name: '  Spring sale \t', segment_id: ' seg_vip ' });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ name: 'Spring sale', segment_id: 'seg_vip' });
    const updated = await harness.server
      .client(harness.token)
      .campaigns.update.mutate({ id: created.body.id, name: ' Renamed ' });
    expect(updated.name).toBe('Renamed');
  });

  it('refuses a name or segment that is blank after trimming, on both surfaces', async () => {
    expectValidationIssueAt(await create({ name: '   ' }), ['name']);
    expectValidationIssueAt(await create({ segment_id: '\n ' }), ['segment_id']);
    const campaign = await createCampaign(harness.rest, harness.token);
    expectValidationIssueAt(
      await harness.rest('PATCH', campaignPath(campaign.id), { token: harness.token, body: { name: ' ' } }),
      ['name'],
    );
    const failure = await trpcFailure(
      harness.server.client(harness.token).campaigns.create.mutate({ name: ' ', segment_id: 's' }),
    );
    expect(failure).toMatchObject({ code: 'BAD_REQUEST', error: 'validation_failed' });
  });

  it('refuses an over-long name instead of cutting it', async () => {
    expectValidationIssueAt(await create({ name: 'x'.repeat(201) }), ['name']);
    // Surrounding spaces do not count against the limit: they are trimmed first.
    const fits = await create({ name: ` ${'x'.repeat(200)} ` });
    expect(fits.status, fits.text).toBe(201);
    expect(fits.body.name).toHaveLength(200);
  });
});
