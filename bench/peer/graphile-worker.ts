/**
 * The dispatch benchmark's peer: graphile-worker (pinned in the catalog) doing, per campaign, the same
 * durable work as a firing — the deliveries, the campaign moved to `sent`, its audit events (sending,
 * one delivery.fired per step, sent) and the sender's outbox rows — in ONE statement, the fewest a
 * careful engineer would write. One job per campaign, as graphile-worker's documentation suggests.
 *
 * Env: DATABASE_URL, CONCURRENCY (default 4). Prints `ready` once it is looking for jobs.
 */
import { run } from 'graphile-worker';

const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error('DATABASE_URL is required');

const FIRE = `
  WITH campaign AS (
    UPDATE campaigns
       SET status = 'sent', sent_at = now(), updated_at = now(), next_due_at = NULL
     WHERE id = $1 AND status = 'scheduled'
    RETURNING *
  ), fired AS (
    INSERT INTO deliveries (id, campaign_id, step_id, position, due_at, fired_at)
    SELECT 'dlv_' || md5(random()::text || s.id), s.campaign_id, s.id, s.position, c.scheduled_at, now()
      FROM campaign_steps s JOIN campaign c ON c.id = s.campaign_id
    RETURNING *
  ), events AS (
    INSERT INTO audit_events (id, brand_id, campaign_id, step_id, action, actor_type, actor, before, after, occurred_at)
    SELECT 'evt_' || md5(random()::text || e.n), c.brand_id, c.id, e.step_id, e.action, 'system', 'dispatcher',
           e.before, e.after, now()
      FROM campaign c,
           LATERAL (
             SELECT 0 AS n, NULL::text AS step_id, 'campaign.sending' AS action, to_jsonb(c) AS before, to_jsonb(c) AS after
             UNION ALL
             SELECT 1 + f.position, f.step_id, 'delivery.fired', NULL, to_jsonb(f) FROM fired f
             UNION ALL
             SELECT 1000, NULL, 'campaign.sent', to_jsonb(c), to_jsonb(c)
           ) e
     ORDER BY e.n
  )
  INSERT INTO sender_outbox (delivery_id, request, created_at, retry_at)
  SELECT f.id, to_jsonb(f), now(), now() + interval '30 seconds' FROM fired f`;

const runner = await run({
  connectionString,
  concurrency: Number(process.env.CONCURRENCY ?? 4),
  noPreparedStatements: false,
  taskList: {
    fire: async (payload, helpers) => {
      const { id } = payload as { id: string };
      await helpers.withPgClient((client) => client.query({ name: 'fire', text: FIRE, values: [id] }));
    },
  },
});
process.stdout.write('ready\n');
await runner.promise;
