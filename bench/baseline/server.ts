/**
 * The benchmark's baseline: the fastest honest hand-written version of the three measured operations,
 * on bare Fastify and raw `pg`, with nothing the operations do left out.
 *
 *  - Auth: HS256 bearer JWT verified with jose (key imported once, `exp` required, the same 30 s clock
 *    tolerance), then the scope and — through the SQL — the brand check; 401/403/404 as the service.
 *  - Validation: the SAME Zod schemas as the service (`@campaigns/contract`), so the cost is identical,
 *    plus the service's own rules (scheduled_at in the future, plausible ids).
 *  - SQL: the same transaction, row lock and checks as the service, in as few round trips as is safe:
 *      BEGIN; SELECT … FOR UPDATE (lock + current row); one statement that checks and writes
 *      (READ COMMITTED gives it a snapshot taken after the lock, so concurrent writers are seen); COMMIT.
 *    The audit trail event is written in the same statement, as the service writes it in the same
 *    transaction.
 *  - No response schema, no request logging (the stack under test runs with LOG_LEVEL=warn).
 *
 * Env: PORT (0 = any; the chosen port is printed as `listening <port>`), DATABASE_URL, JWT_SECRET,
 * POOL_MAX (default 10, as createPrismaClient).
 */
import { randomBytes } from 'node:crypto';
import {
  AddStepInputSchema,
  type Campaign,
  CampaignIdInputSchema,
  type CampaignStatus,
  SCOPES,
  ScheduleCampaignInputSchema,
  type Step,
} from '@campaigns/contract';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { errors, jwtVerify } from 'jose';
import pg from 'pg';
import type { z } from 'zod';

const secret = process.env.JWT_SECRET;
const databaseUrl = process.env.DATABASE_URL;
if (!secret || !databaseUrl) throw new Error('baseline: JWT_SECRET and DATABASE_URL are required');
const key = new TextEncoder().encode(secret);
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.POOL_MAX ?? 10) });

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;
const PLAUSIBLE_ID = /^[a-z]{3}_[0-9a-f]{32}$/;
const MAX_STEPS = 100;
const newId = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const notFound = () => new HttpError(404, 'not_found', 'Campaign not found');
const badState = (reason: string, message: string, extra: Record<string, unknown> = {}) =>
  new HttpError(412, 'bad_state', message, { reason, ...extra });

interface Actor {
  sub: string;
  brandId: string;
}

async function authenticate(request: FastifyRequest, scope: string): Promise<Actor> {
  const header = request.headers.authorization;
  const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
  if (token === undefined) throw new HttpError(401, 'unauthorized', 'Missing or malformed bearer token');
  let payload: Record<string, unknown>;
  try {
    payload = (
      await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'], clockTolerance: 30 })
    ).payload;
  } catch (error) {
    const expired = error instanceof errors.JWTExpired;
    throw new HttpError(401, 'unauthorized', expired ? 'Bearer token has expired' : 'Invalid bearer token');
  }
  const { sub, brand_id: brandId, scope: scopes } = payload;
  if (typeof sub !== 'string' || sub === '' || typeof brandId !== 'string' || brandId === '') {
    throw new HttpError(401, 'unauthorized', 'Invalid bearer token');
  }
  if (typeof scopes !== 'string' || !scopes.split(' ').includes(scope)) {
    throw new HttpError(403, 'forbidden', `Missing scope ${scope}`, { required_scope: scope });
  }
  return { sub, brandId };
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path, message: issue.message }));
  throw new HttpError(400, 'validation_failed', 'Input validation failed', { issues });
}

interface CampaignRow {
  id: string;
  brand_id: string;
  name: string;
  description: string | null;
  segment_id: string;
  status: CampaignStatus;
  scheduled_at: Date | null;
  published_at: Date | null;
  sent_at: Date | null;
  cancelled_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const CAMPAIGN_COLUMNS = `id, brand_id, name, description, segment_id, status::text AS status, scheduled_at,
  published_at, sent_at, cancelled_at, created_by, created_at, updated_at`;

const isoOrNull = (value: Date | null) => (value === null ? null : value.toISOString());
const toCampaign = (row: CampaignRow): Campaign => ({
  id: row.id,
  brand_id: row.brand_id,
  name: row.name,
  description: row.description,
  segment_id: row.segment_id,
  status: row.status,
  scheduled_at: isoOrNull(row.scheduled_at),
  published_at: isoOrNull(row.published_at),
  sent_at: isoOrNull(row.sent_at),
  cancelled_at: isoOrNull(row.cancelled_at),
  created_by: row.created_by,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  send_window: null,
});

async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function lockCampaign(client: pg.PoolClient, actor: Actor, id: string): Promise<CampaignRow> {
  if (!PLAUSIBLE_ID.test(id)) throw notFound();
  const { rows } = await client.query<CampaignRow>({
    name: 'lock',
    text: `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1 AND brand_id = $2 FOR UPDATE`,
    values: [id, actor.brandId],
  });
  const row = rows[0];
  if (!row) throw notFound();
  return row;
}

const AUDIT_INSERT = `INSERT INTO audit_events (id, brand_id, campaign_id, step_id, action, actor_type, actor, before, after, occurred_at)`;

async function schedule(actor: Actor, id: string, body: unknown): Promise<Campaign> {
  const input = parse(ScheduleCampaignInputSchema, { ...(body as object), id });
  const scheduledAt = new Date(input.scheduled_at);
  const now = new Date();
  if (scheduledAt.getTime() <= now.getTime()) {
    throw new HttpError(400, 'validation_failed', 'Input validation failed', {
      issues: [{ path: ['scheduled_at'], message: 'Must be in the future' }],
    });
  }
  return inTransaction(async (client) => {
    const locked = await lockCampaign(client, actor, input.id);
    if (locked.status !== 'draft' && locked.status !== 'scheduled') {
      throw badState('invalid_status', `Campaign is ${locked.status}`, { status: locked.status });
    }
    const before = toCampaign(locked);
    const after: Campaign = {
      ...before,
      status: 'scheduled',
      scheduled_at: scheduledAt.toISOString(),
      published_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    // The step count is read by this statement, whose snapshot is taken after the lock.
    const { rows } = await client.query<CampaignRow>({
      name: 'schedule',
      text: `WITH updated AS (
               UPDATE campaigns SET status = 'scheduled', scheduled_at = $2, published_at = $3, updated_at = $3,
                      next_due_at = $2
                WHERE id = $1 AND EXISTS (SELECT 1 FROM campaign_steps WHERE campaign_id = $1)
               RETURNING ${CAMPAIGN_COLUMNS}),
             audit AS (
               ${AUDIT_INSERT}
               SELECT $4, brand_id, id, NULL, 'campaign.scheduled', 'user', $5, $6::jsonb, $7::jsonb, $3 FROM updated)
             SELECT * FROM updated`,
      values: [input.id, scheduledAt, now, newId('evt'), actor.sub, before, after],
    });
    const row = rows[0];
    if (!row) throw badState('no_steps', 'A campaign without steps cannot be scheduled; add a step first');
    return toCampaign(row);
  });
}

interface StepRow {
  id: string;
  campaign_id: string;
  position: number;
  template_id: string;
  template_version_id: string;
  delay_minutes: number;
  variables: Record<string, unknown>;
}

async function addStep(actor: Actor, id: string, body: unknown): Promise<Step> {
  const input = parse(AddStepInputSchema, { ...(body as object), id });
  return inTransaction(async (client) => {
    const locked = await lockCampaign(client, actor, input.id);
    if (locked.status !== 'draft') {
      throw badState('invalid_status', `Campaign is ${locked.status}`, { status: locked.status });
    }
    const now = new Date();
    const step: Step = {
      id: newId('stp'),
      campaign_id: input.id,
      position: input.position,
      template_id: input.template_id,
      template_version_id: input.template_version_id,
      delay_minutes: input.delay_minutes,
      variables: input.variables,
    };
    // Count, shift, insert, touch and audit in one statement, its snapshot taken after the lock; the
    // position constraint is deferred to commit.
    const { rows } = await client.query<{ count: number } & Partial<StepRow>>({
      name: 'add-step',
      text: `WITH n AS (SELECT count(*)::int AS count FROM campaign_steps WHERE campaign_id = $1),
             ok AS (SELECT count FROM n WHERE count < ${MAX_STEPS} AND $3 <= count),
             shifted AS (
               UPDATE campaign_steps SET position = position + 1, updated_at = $8
                WHERE campaign_id = $1 AND position >= $3 AND EXISTS (SELECT 1 FROM ok)),
             inserted AS (
               INSERT INTO campaign_steps (id, campaign_id, position, template_id, template_version_id,
                                           delay_minutes, variables, created_at, updated_at)
               SELECT $2, $1, $3, $4, $5, $6, $7::jsonb, $8, $8 FROM ok
               RETURNING id, campaign_id, position, template_id, template_version_id, delay_minutes, variables),
             touched AS (UPDATE campaigns SET updated_at = $8 WHERE id = $1 AND EXISTS (SELECT 1 FROM ok)),
             audit AS (
               ${AUDIT_INSERT}
               SELECT $9, $10, $1, id, 'step.added', 'user', $11, NULL, $12::jsonb, $8 FROM inserted)
             SELECT n.count, inserted.* FROM n LEFT JOIN inserted ON true`,
      values: [
        input.id,
        step.id,
        input.position,
        input.template_id,
        input.template_version_id,
        input.delay_minutes,
        input.variables,
        now,
        newId('evt'),
        actor.brandId,
        actor.sub,
        step,
      ],
    });
    const row = rows[0];
    if (!row) throw new Error('add-step returned no row');
    if (row.id === null || row.id === undefined) {
      if (row.count >= MAX_STEPS) {
        throw badState('step_limit_reached', `A campaign has at most ${MAX_STEPS} steps`, {
          limit: MAX_STEPS,
        });
      }
      throw badState('position_out_of_range', `Position must be between 0 and ${row.count}`, {
        max_position: row.count,
      });
    }
    return step;
  });
}

async function getCampaign(actor: Actor, id: string): Promise<Campaign> {
  const input = parse(CampaignIdInputSchema, { id });
  if (!PLAUSIBLE_ID.test(input.id)) throw notFound();
  const { rows } = await pool.query<CampaignRow>({
    name: 'get',
    text: `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1 AND brand_id = $2`,
    values: [input.id, actor.brandId],
  });
  const row = rows[0];
  if (!row) throw notFound();
  return toCampaign(row);
}

const app = Fastify({ logger: false });
type IdParams = { Params: { id: string } };

function fail(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof HttpError) {
    if (error.status === 401) void reply.header('www-authenticate', 'Bearer');
    return reply
      .code(error.status)
      .send({ error: error.code, message: error.message, details: error.details });
  }
  process.stderr.write(`baseline: ${String(error)}\n`);
  return reply.code(500).send({ error: 'internal', message: 'Internal error', details: {} });
}

app.post<IdParams>('/v1/messaging/campaigns/:id/schedule', async (request, reply) => {
  try {
    const actor = await authenticate(request, SCOPES.write);
    return reply.send(await schedule(actor, request.params.id, request.body ?? {}));
  } catch (error) {
    return fail(reply, error);
  }
});
app.post<IdParams>('/v1/messaging/campaigns/:id/steps', async (request, reply) => {
  try {
    const actor = await authenticate(request, SCOPES.write);
    return reply.code(201).send(await addStep(actor, request.params.id, request.body ?? {}));
  } catch (error) {
    return fail(reply, error);
  }
});
app.get<IdParams>('/v1/messaging/campaigns/:id', async (request, reply) => {
  try {
    const actor = await authenticate(request, SCOPES.read);
    return reply.send(await getCampaign(actor, request.params.id));
  } catch (error) {
    return fail(reply, error);
  }
});

const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`listening ${new URL(address).port}\n`);
const stop = () => {
  void app.close().then(() => pool.end().then(() => process.exit(0)));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
