import type { Campaign } from '@campaigns/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGNS, createCampaign, expectValidationIssueAt, forceStatus } from '../support/campaigns';
import { TestClock } from '../support/clock';
import { useTestServer } from '../support/use-test-server';

// GET /v1/messaging/campaigns?q= (campaigns.list input q), API.md "Duplicate and search".

const clock = new TestClock(Date.parse('2030-03-01T10:00:00Z'));
const harness = useTestServer({ clock }, { brand: 'brand_search' });

beforeAll(async () => {
  for (const name of [
    'Black Friday reminders',
    'BLACK FRIDAY VIP',
    'Cyber Monday',
    'Grüße aus München',
    '100% off',
    '100 percent',
    'snake_case name',
    'snakeXcase name',
  ]) {
    clock.advance(1_000);
    await createCampaign(harness.rest, harness.token, { name, segment_id: 'seg_1' });
  }
  // Another brand's match never shows.
  await createCampaign(harness.rest, await harness.server.token({ brand: 'brand_elsewhere' }), {
    name: 'Black Friday elsewhere',
    segment_id: 'seg_1',
  });
});

async function search(query: Record<string, string>): Promise<{ names: string[]; next: string | null }> {
  const response = await harness.rest<{ items: Campaign[]; next_cursor: string | null }>(
    'GET',
    `${CAMPAIGNS}?${new URLSearchParams(query)}`,
    { token: harness.token },
  );
  expect(response.status, response.text).toBe(200);
  return { names: response.body.items.map((item) => item.name), next: response.body.next_cursor };
}

describe('q search', () => {
  it('matches a case-insensitive substring of the name, newest first, in the caller’s brand only', async () => {
    expect((await search({ q: 'friday' })).names).toEqual(['BLACK FRIDAY VIP', 'Black Friday reminders']);
    expect((await search({ q: 'day r' })).names).toEqual(['Black Friday reminders']);
    // Beyond ASCII, the same on every PostgreSQL: the service lower-cases, not the database's collation.
    expect((await search({ q: 'GRÜẞE' })).names).toEqual(['Grüße aus München']);
    // Lower-casing, not full case folding: ß is not ss.
    expect((await search({ q: 'GRÜSSE' })).names).toEqual([]);
    expect((await search({ q: 'MÜNCHEN' })).names).toEqual(['Grüße aus München']);
  });

  it('takes % and _ literally', async () => {
    expect((await search({ q: '100%' })).names).toEqual(['100% off']);
    expect((await search({ q: 'e_c' })).names).toEqual(['snake_case name']);
  });

  it('combines with status and pages with the keyset cursor', async () => {
    const friday = await createCampaign(harness.rest, harness.token, {
      name: 'Friday cancelled',
      segment_id: 'seg_1',
    });
    await forceStatus(harness.server.db, friday.id, 'cancelled');
    expect((await search({ q: 'friday', status: 'cancelled' })).names).toEqual(['Friday cancelled']);
    expect((await search({ q: 'friday', status: 'draft' })).names).toEqual([
      'BLACK FRIDAY VIP',
      'Black Friday reminders',
    ]);

    const first = await search({ q: 'friday', limit: '2' });
    expect(first.names).toEqual(['Friday cancelled', 'BLACK FRIDAY VIP']);
    const second = await search({ q: 'friday', limit: '2', cursor: first.next! });
    expect(second).toEqual({ names: ['Black Friday reminders'], next: null });
  });

  it('works the same over tRPC', async () => {
    const page = await harness.server.client(harness.token).campaigns.list.query({ q: 'monday' });
    expect(page.items.map((item) => item.name)).toEqual(['Cyber Monday']);
  });

  it('refuses a query shorter than 3 or longer than 200 characters', async () => {
    const tooShort = await harness.rest('GET', `${CAMPAIGNS}?q=ab`, { token: harness.token });
    expectValidationIssueAt(tooShort, ['q']);
    const tooLong = await harness.rest('GET', `${CAMPAIGNS}?q=${'a'.repeat(201)}`, { token: harness.token });
    expectValidationIssueAt(tooLong, ['q']);
  });
});
