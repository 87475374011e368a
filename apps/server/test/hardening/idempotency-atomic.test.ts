import { describe, expect, it } from 'vitest';
import { useTestServer } from '../support/use-test-server';

// Issue 12 / docs/hardening.md, Idempotency: a change and its stored response commit in one transaction,
// so no crash can fall between them (a retry after any crash replays). PostgreSQL names the transaction
// that wrote a row version in `xmin`: the campaign row a change wrote and the key's completed row must
// carry the same one, on every mutation.

const CAMPAIGNS = '/v1/messaging/campaigns';
const STEP = { template_id: 'tpl', template_version_id: 'v1' };

const harness = useTestServer({}, { brand: 'brand_atomic' });

async function xmins(campaignId: string, key: string): Promise<{ campaign: string; key: string }> {
  const [campaign] = await harness.server.db.$queryRaw<{ xmin: string }[]>`
    SELECT xmin::text AS xmin FROM campaigns WHERE id = ${campaignId}`;
  const [stored] = await harness.server.db.$queryRaw<{ xmin: string; status: boolean | null }[]>`
    SELECT xmin::text AS xmin, succeeded AS status FROM idempotency_keys
     WHERE brand_id = 'brand_atomic' AND key = ${key}`;
  expect(stored?.status).not.toBeNull();
  return { campaign: campaign?.xmin ?? 'none', key: stored?.xmin ?? 'none' };
}

describe('the response is stored in the transaction of the change', () => {
  it('for every mutation', async () => {
    let n = 0;
    const keyed = async (method: string, path: string, body?: unknown) => {
      const key = `atomic-${n++}`;
      const response = await harness.rest<{ id?: string; items?: Array<{ id: string }> }>(method, path, {
        token: harness.token,
        headers: { 'idempotency-key': key },
        ...(body === undefined ? {} : { body }),
      });
      expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
      return { key, body: response.body };
    };
    const created = await keyed('POST', CAMPAIGNS, { name: 'Atomic', segment_id: 'seg' });
    const id = String(created.body.id);
    const base = `${CAMPAIGNS}/${id}`;
    const calls: Array<{ key: string }> = [created];
    calls.push(await keyed('PATCH', base, { name: 'Atomic 2' }));
    const first = await keyed('POST', `${base}/steps`, { ...STEP, position: 0 });
    const second = await keyed('POST', `${base}/steps`, { ...STEP, position: 1 });
    calls.push(first, second);
    calls.push(await keyed('PATCH', `${base}/steps/${String(second.body.id)}`, { delay_minutes: 5 }));
    calls.push(await keyed('DELETE', `${base}/steps/${String(second.body.id)}`));
    calls.push(await keyed('POST', `${base}/schedule`, { scheduled_at: '2099-01-01T00:00:00Z' }));
    calls.push(await keyed('POST', `${base}/unschedule`));
    calls.push(await keyed('POST', `${base}/cancel`));
    expect(calls).toHaveLength(9);
    // Every call wrote the campaign again, so each key is compared with the transaction of its own change
    // through the audit trail (one event per change, written in the change's transaction).
    const trail = await harness.server.db.$queryRaw<{ xmin: string }[]>`
      SELECT xmin::text AS xmin FROM audit_events WHERE campaign_id = ${id} ORDER BY seq`;
    const keys = await harness.server.db.$queryRaw<{ key: string; xmin: string }[]>`
      SELECT key, xmin::text AS xmin FROM idempotency_keys WHERE brand_id = 'brand_atomic' AND key LIKE 'atomic-%'`;
    const byKey = new Map(keys.map((row) => [row.key, row.xmin]));
    expect(calls.map((call) => byKey.get(call.key))).toEqual(trail.map((row) => row.xmin));
  });

  it('the campaign row version a change wrote is the one its key was completed in', async () => {
    const client = harness.server.client(harness.token);
    const campaign = await client.campaigns.create.mutate({ name: 'Atomic tRPC', segment_id: 'seg' });
    const response = await harness.rest('PATCH', `${CAMPAIGNS}/${campaign.id}`, {
      token: harness.token,
      headers: { 'idempotency-key': 'atomic-last' },
      body: { name: 'Atomic tRPC 2' },
    });
    expect(response.status).toBe(200);
    const { campaign: row, key } = await xmins(campaign.id, 'atomic-last');
    expect(key).toBe(row);
  });
});
