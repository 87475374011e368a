/**
 * The benchmark's floor: what a careful engineer would write by hand for the measured operations, on bare
 * Fastify and raw `pg`, with the same checks and the same durable work as the service, and nothing else.
 *
 *  - Auth: HS256 bearer JWT checked with node:crypto (HMAC, constant-time compare, `exp` required, 30 s
 *    tolerance), then the scope and — in the SQL — the brand; 401/403/404 as the service answers them.
 *  - Validation: hand-written checks of the same rules (types, lengths from the contract's limits,
 *    scheduled_at in the future, plausible ids, unknown fields refused); 400 validation_failed.
 *  - Each change is ONE round trip: a PL/pgSQL function (installed below, schema bench_floor) locks the
 *    campaign row, checks the state rule (the allowed statuses are a parameter, from the contract's
 *    ALLOWED_FROM), reads what it needs by statements that each take a fresh snapshot after the lock
 *    (so it is correct under concurrency in READ COMMITTED), writes the change and its audit event, and
 *    returns the new row. Reads are one statement.
 *  - Responses carry the same bodies and ETag as the service; no request logging, no response schema.
 *
 * Env: PORT (0 = any; prints `listening <port>`), DATABASE_URL, JWT_SECRET, POOL_MAX (default 10).
 *
 * It runs with the service's V8 settings (apps/server/src/v8-settings.ts), so that both are measured on
 * the same VM; its own figures do not move with them (young collections ~6 µs per call either way).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import {
  ALLOWED_FROM,
  CAMPAIGN_LIMITS,
  type Campaign,
  type CampaignStatus,
  SCOPES,
  STEP_LIMITS,
  type Step,
} from '@campaigns/contract';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import pg from 'pg';

setFlagsFromString('--no-allocation-site-pretenuring');

const secret = process.env.JWT_SECRET;
const databaseUrl = process.env.DATABASE_URL;
if (!secret || !databaseUrl) throw new Error('floor: JWT_SECRET and DATABASE_URL are required');
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.POOL_MAX ?? 10) });

const FUNCTIONS = `
CREATE SCHEMA IF NOT EXISTS bench_floor;

CREATE OR REPLACE FUNCTION bench_floor.next_version(now_ timestamptz, current_ timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$ SELECT greatest(date_trunc('milliseconds', now_), current_ + interval '1 millisecond') $$;

CREATE OR REPLACE FUNCTION bench_floor.schedule(p_id text, p_brand text, p_allowed text[], p_at timestamptz,
  p_actor text, p_event text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE c campaigns; a campaigns; v timestamptz;
BEGIN
  SELECT * INTO c FROM campaigns WHERE id = p_id AND brand_id = p_brand FOR UPDATE;
  IF NOT FOUND THEN RETURN jsonb_build_object('error', 'not_found'); END IF;
  IF NOT c.status::text = ANY (p_allowed) THEN RETURN jsonb_build_object('error', 'invalid_status', 'status', c.status); END IF;
  IF NOT EXISTS (SELECT 1 FROM campaign_steps WHERE campaign_id = p_id) THEN RETURN jsonb_build_object('error', 'no_steps'); END IF;
  v := bench_floor.next_version(clock_timestamp(), c.updated_at);
  UPDATE campaigns SET status = 'scheduled', scheduled_at = p_at, published_at = v, updated_at = v, next_due_at = p_at
   WHERE id = p_id RETURNING * INTO a;
  INSERT INTO audit_events (id, brand_id, campaign_id, action, actor_type, actor, before, after, occurred_at)
  VALUES (p_event, p_brand, p_id, 'campaign.scheduled', 'user', p_actor, to_jsonb(c), to_jsonb(a), v);
  RETURN jsonb_build_object('campaign', to_jsonb(a));
END $$;

CREATE OR REPLACE FUNCTION bench_floor.update(p_id text, p_brand text, p_allowed text[], p_name text,
  p_set_description boolean, p_description text, p_segment text, p_actor text, p_event text)
  RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE c campaigns; a campaigns; v timestamptz;
BEGIN
  SELECT * INTO c FROM campaigns WHERE id = p_id AND brand_id = p_brand FOR UPDATE;
  IF NOT FOUND THEN RETURN jsonb_build_object('error', 'not_found'); END IF;
  IF NOT c.status::text = ANY (p_allowed) THEN RETURN jsonb_build_object('error', 'invalid_status', 'status', c.status); END IF;
  v := bench_floor.next_version(clock_timestamp(), c.updated_at);
  UPDATE campaigns SET name = coalesce(p_name, name), name_search = lower(coalesce(p_name, name)),
         description = CASE WHEN p_set_description THEN p_description ELSE description END,
         segment_id = coalesce(p_segment, segment_id), updated_at = v
   WHERE id = p_id RETURNING * INTO a;
  INSERT INTO audit_events (id, brand_id, campaign_id, action, actor_type, actor, before, after, occurred_at)
  VALUES (p_event, p_brand, p_id, 'campaign.updated', 'user', p_actor, to_jsonb(c), to_jsonb(a), v);
  RETURN jsonb_build_object('campaign', to_jsonb(a));
END $$;

CREATE OR REPLACE FUNCTION bench_floor.add_step(p_id text, p_brand text, p_allowed text[], p_max int, p_step text,
  p_position int, p_template text, p_version text, p_delay int, p_variables jsonb, p_actor text, p_event text)
  RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE c campaigns; s campaign_steps; n int; v timestamptz;
BEGIN
  SELECT * INTO c FROM campaigns WHERE id = p_id AND brand_id = p_brand FOR UPDATE;
  IF NOT FOUND THEN RETURN jsonb_build_object('error', 'not_found'); END IF;
  IF NOT c.status::text = ANY (p_allowed) THEN RETURN jsonb_build_object('error', 'invalid_status', 'status', c.status); END IF;
  SELECT count(*) INTO n FROM campaign_steps WHERE campaign_id = p_id;
  IF n >= p_max THEN RETURN jsonb_build_object('error', 'step_limit_reached'); END IF;
  IF p_position > n THEN RETURN jsonb_build_object('error', 'position_out_of_range', 'max_position', n); END IF;
  v := bench_floor.next_version(clock_timestamp(), c.updated_at);
  UPDATE campaign_steps SET position = position + 1, updated_at = v WHERE campaign_id = p_id AND position >= p_position;
  INSERT INTO campaign_steps (id, campaign_id, position, template_id, template_version_id, delay_minutes, variables,
                              created_at, updated_at)
  VALUES (p_step, p_id, p_position, p_template, p_version, p_delay, p_variables, v, v) RETURNING * INTO s;
  UPDATE campaigns SET updated_at = v WHERE id = p_id;
  INSERT INTO audit_events (id, brand_id, campaign_id, step_id, action, actor_type, actor, after, occurred_at)
  VALUES (p_event, p_brand, p_id, p_step, 'step.added', 'user', p_actor, to_jsonb(s), v);
  RETURN jsonb_build_object('step', to_jsonb(s));
END $$;
`;
await pool.query(FUNCTIONS);

const key = Buffer.from(secret);
const BEARER = /^Bearer +([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/i;
const HS256_HEADER = /"alg"\s*:\s*"HS256"/;
const PLAUSIBLE_ID = /^[a-z]{3}_[0-9a-f]{32}$/;
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
const invalid = (path: string, message: string) =>
  new HttpError(400, 'validation_failed', 'Input validation failed', { issues: [{ path: [path], message }] });
const notFound = () => new HttpError(404, 'not_found', 'Campaign not found');

interface Actor {
  sub: string;
  brandId: string;
}

function authenticate(request: FastifyRequest, scope: string): Actor {
  const match = BEARER.exec(request.headers.authorization ?? '');
  if (!match) throw new HttpError(401, 'unauthorized', 'Missing or malformed bearer token');
  const [, header, body, signature] = match as unknown as [string, string, string, string];
  const expected = createHmac('sha256', key).update(`${header}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new HttpError(401, 'unauthorized', 'Invalid bearer token');
  if (!HS256_HEADER.test(Buffer.from(header, 'base64url').toString()))
    throw new HttpError(401, 'unauthorized', 'Invalid bearer token');
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
  } catch {
    throw new HttpError(401, 'unauthorized', 'Invalid bearer token');
  }
  const { sub, brand_id: brandId, scope: scopes, exp } = claims;
  if (typeof exp !== 'number') throw new HttpError(401, 'unauthorized', 'Invalid bearer token');
  if (exp + 30 < Date.now() / 1000) throw new HttpError(401, 'unauthorized', 'Bearer token has expired');
  if (typeof sub !== 'string' || sub === '' || typeof brandId !== 'string' || brandId === '')
    throw new HttpError(401, 'unauthorized', 'Invalid bearer token');
  if (typeof scopes !== 'string' || !scopes.split(' ').includes(scope))
    throw new HttpError(403, 'forbidden', `Missing scope ${scope}`, { required_scope: scope });
  return { sub, brandId };
}

type Body = Record<string, unknown>;
function body(value: unknown, allowed: readonly string[]): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('', 'Expected an object');
  for (const field of Object.keys(value))
    if (!allowed.includes(field)) throw invalid(field, 'Unrecognized key');
  return value as Body;
}
function text(input: Body, field: string, min: number, max: number, trim: boolean): string | undefined {
  const raw = input[field];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw invalid(field, 'Expected a string');
  const value = trim ? raw.trim() : raw;
  if (value.length < min || value.length > max) throw invalid(field, `Must be ${min} to ${max} characters`);
  return value;
}
function integer(input: Body, field: string, max: number): number | undefined {
  const raw = input[field];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > max)
    throw invalid(field, `Must be an integer from 0 to ${max}`);
  return raw;
}
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/i;
function campaignId(id: string): string {
  if (!PLAUSIBLE_ID.test(id)) throw notFound();
  return id;
}

interface CampaignRow {
  id: string;
  brand_id: string;
  name: string;
  description: string | null;
  segment_id: string;
  status: CampaignStatus;
  scheduled_at: string | Date | null;
  published_at: string | Date | null;
  sent_at: string | Date | null;
  cancelled_at: string | Date | null;
  created_by: string;
  created_at: string | Date;
  updated_at: string | Date;
  send_window: Campaign['send_window'];
}
const iso = (value: string | Date) => new Date(value).toISOString();
const isoOrNull = (value: string | Date | null) => (value === null ? null : iso(value));
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
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
  send_window: row.send_window ?? null,
});

type Outcome = {
  error?: string;
  status?: string;
  max_position?: number;
  campaign?: CampaignRow;
  step?: Step;
};
async function call(name: string, text: string, values: unknown[]): Promise<Outcome> {
  const { rows } = await pool.query<{ r: Outcome }>({ name, text: `SELECT ${text} AS r`, values });
  const outcome = rows[0]!.r;
  switch (outcome.error) {
    case undefined:
      return outcome;
    case 'not_found':
      throw notFound();
    case 'invalid_status':
      throw new HttpError(412, 'bad_state', `Campaign is ${outcome.status}`, {
        reason: 'invalid_status',
        status: outcome.status,
      });
    case 'no_steps':
      throw new HttpError(
        412,
        'bad_state',
        'A campaign without steps cannot be scheduled; add a step first',
        {
          reason: 'no_steps',
        },
      );
    case 'step_limit_reached':
      throw new HttpError(
        412,
        'bad_state',
        `A campaign has at most ${STEP_LIMITS.maxStepsPerCampaign} steps`,
        {
          reason: 'step_limit_reached',
          limit: STEP_LIMITS.maxStepsPerCampaign,
        },
      );
    default:
      throw new HttpError(412, 'bad_state', `Position must be between 0 and ${outcome.max_position}`, {
        reason: 'position_out_of_range',
        max_position: outcome.max_position,
      });
  }
}

const sendCampaign = (reply: FastifyReply, row: CampaignRow) => {
  const campaign = toCampaign(row);
  return reply.header('etag', `"${campaign.updated_at}"`).send(campaign);
};

const app = Fastify({ logger: false });
type IdParams = { Params: { id: string } };

function fail(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof HttpError) {
    if (error.status === 401) void reply.header('www-authenticate', 'Bearer');
    return reply
      .code(error.status)
      .send({ error: error.code, message: error.message, details: error.details });
  }
  process.stderr.write(`floor: ${String(error)}\n`);
  return reply.code(500).send({ error: 'internal', message: 'Internal error', details: {} });
}

app.post<IdParams>('/v1/messaging/campaigns/:id/schedule', async (request, reply) => {
  try {
    const actor = authenticate(request, SCOPES.write);
    const id = campaignId(request.params.id);
    const input = body(request.body ?? {}, ['scheduled_at']);
    const at = input.scheduled_at;
    if (typeof at !== 'string' || !RFC3339.test(at) || Number.isNaN(Date.parse(at)))
      throw invalid('scheduled_at', 'Expected an RFC 3339 date-time');
    if (Date.parse(at) <= Date.now()) throw invalid('scheduled_at', 'Must be in the future');
    const outcome = await call('schedule', 'bench_floor.schedule($1, $2, $3, $4, $5, $6)', [
      id,
      actor.brandId,
      ALLOWED_FROM.schedule,
      at,
      actor.sub,
      newId('evt'),
    ]);
    return sendCampaign(reply, outcome.campaign!);
  } catch (error) {
    return fail(reply, error);
  }
});

app.patch<IdParams>('/v1/messaging/campaigns/:id', async (request, reply) => {
  try {
    const actor = authenticate(request, SCOPES.write);
    const id = campaignId(request.params.id);
    const input = body(request.body ?? {}, ['name', 'description', 'segment_id']);
    const name = text(input, 'name', 1, CAMPAIGN_LIMITS.nameMax, true);
    const description =
      input.description === null
        ? null
        : text(input, 'description', 0, CAMPAIGN_LIMITS.descriptionMax, false);
    const segment = text(input, 'segment_id', 1, CAMPAIGN_LIMITS.segmentIdMax, true);
    const outcome = await call('update', 'bench_floor.update($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      id,
      actor.brandId,
      ALLOWED_FROM.update,
      name ?? null,
      'description' in input,
      description ?? null,
      segment ?? null,
      actor.sub,
      newId('evt'),
    ]);
    return sendCampaign(reply, outcome.campaign!);
  } catch (error) {
    return fail(reply, error);
  }
});

app.post<IdParams>('/v1/messaging/campaigns/:id/steps', async (request, reply) => {
  try {
    const actor = authenticate(request, SCOPES.write);
    const id = campaignId(request.params.id);
    const input = body(request.body ?? {}, [
      'position',
      'template_id',
      'template_version_id',
      'delay_minutes',
      'variables',
    ]);
    const position = integer(input, 'position', 2_147_483_647);
    if (position === undefined) throw invalid('position', 'Required');
    const template = text(input, 'template_id', 1, STEP_LIMITS.templateIdMax, false);
    const version = text(input, 'template_version_id', 1, STEP_LIMITS.templateIdMax, false);
    if (template === undefined) throw invalid('template_id', 'Required');
    if (version === undefined) throw invalid('template_version_id', 'Required');
    const delay = integer(input, 'delay_minutes', STEP_LIMITS.delayMinutesMax) ?? 0;
    const variables = input.variables ?? {};
    if (typeof variables !== 'object' || variables === null || Array.isArray(variables))
      throw invalid('variables', 'Expected an object');
    const json = JSON.stringify(variables);
    if (Buffer.byteLength(json) > STEP_LIMITS.variablesMaxBytes) throw invalid('variables', 'Too large');
    const stepId = newId('stp');
    const outcome = await call(
      'add_step',
      'bench_floor.add_step($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
      [
        id,
        actor.brandId,
        ALLOWED_FROM.editSteps,
        STEP_LIMITS.maxStepsPerCampaign,
        stepId,
        position,
        template,
        version,
        delay,
        json,
        actor.sub,
        newId('evt'),
      ],
    );
    const step = outcome.step!;
    return reply.code(201).send({
      id: step.id,
      campaign_id: step.campaign_id,
      position: step.position,
      template_id: step.template_id,
      template_version_id: step.template_version_id,
      delay_minutes: step.delay_minutes,
      variables: step.variables,
    });
  } catch (error) {
    return fail(reply, error);
  }
});

const COLUMNS = `id, brand_id, name, description, segment_id, status::text AS status, scheduled_at, published_at,
  sent_at, cancelled_at, created_by, created_at, updated_at, send_window`;

app.get<IdParams>('/v1/messaging/campaigns/:id', async (request, reply) => {
  try {
    const actor = authenticate(request, SCOPES.read);
    const id = campaignId(request.params.id);
    const { rows } = await pool.query<CampaignRow>({
      name: 'get',
      text: `SELECT ${COLUMNS} FROM campaigns WHERE id = $1 AND brand_id = $2`,
      values: [id, actor.brandId],
    });
    if (!rows[0]) throw notFound();
    return sendCampaign(reply, rows[0]);
  } catch (error) {
    return fail(reply, error);
  }
});

app.get<{ Querystring: Record<string, string | undefined> }>(
  '/v1/messaging/campaigns',
  async (request, reply) => {
    try {
      const actor = authenticate(request, SCOPES.read);
      const { limit: rawLimit, cursor, ...rest } = request.query;
      if (Object.keys(rest).length > 0) throw invalid(Object.keys(rest)[0]!, 'Unrecognized key');
      const limit = rawLimit === undefined ? CAMPAIGN_LIMITS.pageSizeDefault : Number(rawLimit);
      if (!Number.isInteger(limit) || limit < 1 || limit > CAMPAIGN_LIMITS.pageSizeMax)
        throw invalid('limit', `Must be an integer from 1 to ${CAMPAIGN_LIMITS.pageSizeMax}`);
      let after: [string, string] | undefined;
      if (cursor !== undefined) {
        const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
        if (!at || !id || Number.isNaN(Date.parse(at))) throw invalid('cursor', 'Invalid cursor');
        after = [at, id];
      }
      const { rows } = await pool.query<CampaignRow>(
        after
          ? {
              name: 'list_after',
              text: `SELECT ${COLUMNS} FROM campaigns WHERE brand_id = $1 AND (created_at, id) < ($3::timestamptz, $4)
                    ORDER BY created_at DESC, id DESC LIMIT $2`,
              values: [actor.brandId, limit + 1, after[0], after[1]],
            }
          : {
              name: 'list',
              text: `SELECT ${COLUMNS} FROM campaigns WHERE brand_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
              values: [actor.brandId, limit + 1],
            },
      );
      const items = rows.slice(0, limit).map(toCampaign);
      const last = items.at(-1);
      const next =
        rows.length > limit && last
          ? Buffer.from(`${last.created_at}|${last.id}`).toString('base64url')
          : null;
      return reply.send({ items, next_cursor: next });
    } catch (error) {
      return fail(reply, error);
    }
  },
);

const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`listening ${new URL(address).port}\n`);
const stop = () => {
  void app.close().then(() => pool.end().then(() => process.exit(0)));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
