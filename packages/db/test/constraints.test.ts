import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/testing';

// The database itself rejects invalid data, whatever the service code does.

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});
beforeEach(() => pool.query('TRUNCATE campaigns CASCADE'));

let seq = 0;
async function insertCampaign(values: Record<string, unknown> = {}): Promise<string> {
  const row: Record<string, unknown> = {
    id: `cmp_${++seq}`,
    brand_id: 'brand_1',
    name: 'Spring sale',
    name_search: 'spring sale',
    segment_id: 'seg_1',
    created_by: 'user_1',
    ...values,
  };
  const columns = Object.keys(row);
  await pool.query(
    `INSERT INTO campaigns (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    Object.values(row),
  );
  return String(row.id);
}

async function insertStep(
  campaignId: string,
  values: Record<string, unknown> = {},
  client: pg.ClientBase | pg.Pool = pool,
) {
  const row: Record<string, unknown> = {
    id: `stp_${++seq}`,
    campaign_id: campaignId,
    position: 0,
    template_id: 'tpl_1',
    template_version_id: 'tplv_1',
    ...values,
  };
  const columns = Object.keys(row);
  await client.query(
    `INSERT INTO campaign_steps (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    Object.values(row),
  );
}

/** Runs `fn` in a transaction and commits; deferred constraints are checked at COMMIT. */
async function inTransaction(fn: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await fn(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

const violates = (constraint: string, code = '23514') => expect.objectContaining({ code, constraint });
const now = new Date();

describe('campaign_steps', () => {
  it('accepts a valid step, with defaults', async () => {
    const campaign = await insertCampaign();
    await insertStep(campaign);
    const { rows } = await pool.query('SELECT delay_minutes, variables FROM campaign_steps');
    expect(rows).toEqual([{ delay_minutes: 0, variables: {} }]);
  });

  it('rejects a negative position', async () => {
    const campaign = await insertCampaign();
    await expect(insertStep(campaign, { position: -1 })).rejects.toEqual(
      violates('campaign_steps_position_nonnegative'),
    );
  });

  it('rejects a delay outside 0..525600 minutes', async () => {
    const campaign = await insertCampaign();
    await insertStep(campaign, { position: 0, delay_minutes: 525_600 });
    for (const delay of [-1, 525_601]) {
      await expect(insertStep(campaign, { position: 1, delay_minutes: delay })).rejects.toEqual(
        violates('campaign_steps_delay_minutes_range'),
      );
    }
  });

  it('rejects variables that are not a JSON object', async () => {
    const campaign = await insertCampaign();
    for (const variables of ['[]', '"text"', '1', 'null']) {
      await expect(insertStep(campaign, { variables })).rejects.toEqual(
        violates('campaign_steps_variables_is_object'),
      );
    }
  });

  it('rejects a duplicate position when the transaction commits', async () => {
    const campaign = await insertCampaign();
    await expect(
      inTransaction(async (client) => {
        await insertStep(campaign, { position: 0 }, client);
        await insertStep(campaign, { position: 0 }, client); // accepted for now: the check is deferred
      }),
    ).rejects.toEqual(violates('campaign_steps_campaign_id_position_key', '23505'));
    // Outside a transaction every statement commits on its own.
    await insertStep(campaign, { position: 0 });
    await expect(insertStep(campaign, { position: 0 })).rejects.toEqual(
      violates('campaign_steps_campaign_id_position_key', '23505'),
    );
  });

  it('allows shifting positions with one UPDATE (unique only at commit)', async () => {
    const campaign = await insertCampaign();
    for (const position of [0, 1, 2])
      await insertStep(campaign, { position, template_id: `tpl_${position}` });
    // Insert at position 1: shift 1,2 -> 2,3 (collides with 2 mid-statement), then fill the gap.
    await inTransaction(async (client) => {
      await client.query(
        'UPDATE campaign_steps SET position = position + 1 WHERE campaign_id = $1 AND position >= 1',
        [campaign],
      );
      await insertStep(campaign, { position: 1, template_id: 'tpl_new' }, client);
    });
    const { rows } = await pool.query('SELECT template_id FROM campaign_steps ORDER BY position');
    expect(rows.map((r) => r.template_id)).toEqual(['tpl_0', 'tpl_new', 'tpl_1', 'tpl_2']);
  });

  it('requires an existing campaign and is deleted with it', async () => {
    await expect(insertStep('cmp_missing')).rejects.toEqual(
      violates('campaign_steps_campaign_id_fkey', '23503'),
    );
    const campaign = await insertCampaign();
    await insertStep(campaign);
    await pool.query('DELETE FROM campaigns WHERE id = $1', [campaign]);
    expect((await pool.query('SELECT 1 FROM campaign_steps')).rowCount).toBe(0);
  });
});

describe('campaigns', () => {
  it('rejects an unknown status', async () => {
    await expect(insertCampaign({ status: 'archived' })).rejects.toMatchObject({ code: '22P02' });
  });

  it('requires scheduled_at and published_at when scheduled', async () => {
    const constraint = violates('campaigns_scheduled_has_schedule');
    // Each with a due time, so that only this constraint is broken (they are checked by name).
    const due = { next_due_at: now };
    await expect(insertCampaign({ status: 'scheduled', ...due })).rejects.toEqual(constraint);
    await expect(insertCampaign({ status: 'scheduled', scheduled_at: now, ...due })).rejects.toEqual(
      constraint,
    );
    await expect(insertCampaign({ status: 'scheduled', published_at: now, ...due })).rejects.toEqual(
      constraint,
    );
    await insertCampaign({ status: 'scheduled', scheduled_at: now, published_at: now, next_due_at: now });
    // A draft may carry a tentative schedule.
    await insertCampaign({ status: 'draft', scheduled_at: now });
  });

  it('has cancelled_at exactly when cancelled', async () => {
    const constraint = violates('campaigns_cancelled_iff_cancelled_at');
    await expect(insertCampaign({ status: 'cancelled' })).rejects.toEqual(constraint);
    await expect(insertCampaign({ status: 'draft', cancelled_at: now })).rejects.toEqual(constraint);
    const id = await insertCampaign({ status: 'cancelled', cancelled_at: now });
    await expect(pool.query(`UPDATE campaigns SET status = 'draft' WHERE id = $1`, [id])).rejects.toEqual(
      constraint,
    );
  });

  it('has sent_at exactly when sent', async () => {
    const constraint = violates('campaigns_sent_iff_sent_at');
    await expect(insertCampaign({ status: 'sent' })).rejects.toEqual(constraint);
    await expect(insertCampaign({ status: 'sending', sent_at: now, next_due_at: now })).rejects.toEqual(
      constraint,
    );
    await insertCampaign({ status: 'sent', sent_at: now });
  });

  it('is in the dispatcher queue (next_due_at) exactly while scheduled or sending', async () => {
    const constraint = violates('campaigns_due_iff_active');
    const schedule = { scheduled_at: now, published_at: now };
    // Active without a due time would never be sent.
    await expect(insertCampaign({ status: 'scheduled', ...schedule })).rejects.toEqual(constraint);
    await expect(insertCampaign({ status: 'sending', ...schedule })).rejects.toEqual(constraint);
    // Anything else with a due time would be looked at for nothing.
    await expect(insertCampaign({ status: 'draft', next_due_at: now })).rejects.toEqual(constraint);
    await expect(insertCampaign({ status: 'sent', sent_at: now, next_due_at: now })).rejects.toEqual(
      constraint,
    );
    await expect(
      insertCampaign({ status: 'cancelled', cancelled_at: now, next_due_at: now }),
    ).rejects.toEqual(constraint);
    // Finishing must take it out of the queue in the same statement.
    const id = await insertCampaign({ status: 'sending', ...schedule, next_due_at: now });
    await expect(
      pool.query(`UPDATE campaigns SET status = 'sent', sent_at = now() WHERE id = $1`, [id]),
    ).rejects.toEqual(constraint);
    await pool.query(
      `UPDATE campaigns SET status = 'sent', sent_at = now(), next_due_at = NULL WHERE id = $1`,
      [id],
    );
  });

  it('stores timestamps with millisecond precision', async () => {
    const id = await insertCampaign({ scheduled_at: '2030-01-02T03:04:05.678901Z' });
    const { rows } = await pool.query('SELECT scheduled_at FROM campaigns WHERE id = $1', [id]);
    expect(rows[0].scheduled_at.toISOString()).toBe('2030-01-02T03:04:05.679Z');
  });
});
