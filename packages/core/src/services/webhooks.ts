import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import {
  type CreateWebhookInput,
  type ListAttemptsInput,
  type ResendInput,
  type UpdateWebhookInput,
  WEBHOOK_LIMITS,
  type Webhook,
  type WebhookAttemptPage,
  type WebhookIdInput,
  type WebhookList,
  type WebhookWithSecret,
} from '@campaigns/contract';
import type { Prisma, WebhookEndpoint } from '@campaigns/db';
import { badState, notFound, validationFailed } from '../domain/errors';
import { isPlausibleId, newId } from '../domain/ids';
import { isForbiddenAddress } from '../webhooks/address-policy';
import { decodeOpaque, encodeOpaque, parseBigint } from './cursor';
import type { Actor, ServiceDeps } from './deps';

/** Webhook endpoints of a brand (API.md, Webhooks): CRUD, secret rotation, test sends, attempts. */

export interface WebhookPolicy {
  /** WEBHOOK_ALLOW_PRIVATE_URLS: http and private addresses, for development and tests. */
  allowPrivateUrls: boolean;
}

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

const toWebhook = (row: WebhookEndpoint): Webhook => ({
  id: row.id,
  url: row.url,
  events: row.events,
  description: row.description,
  status: row.status === 'disabled' ? 'disabled' : 'enabled',
  disabled_reason: row.disabledReason,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

/** `https`, a host, and (unless allowed) not a literal forbidden address; DNS is checked on connect. */
function checkUrl(url: string, policy: WebhookPolicy | undefined): void {
  const refuse = (message: string) => validationFailed([{ path: ['url'], message }]);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse('Must be an absolute URL');
  }
  const allowPrivate = policy?.allowPrivateUrls === true;
  if (parsed.protocol !== 'https:' && !(allowPrivate && parsed.protocol === 'http:')) {
    throw refuse('Must be an https URL');
  }
  if (parsed.username || parsed.password) throw refuse('Must not carry credentials');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || (isIP(host) !== 0 && isForbiddenAddress(host)))) {
    throw refuse('Must not be a loopback, private, link-local or metadata address');
  }
}

async function findEndpoint(deps: ServiceDeps, actor: Actor, id: string): Promise<WebhookEndpoint> {
  const row = isPlausibleId(id)
    ? await deps.db.webhookEndpoint.findFirst({ where: { id, brandId: actor.brandId, deletedAt: null } })
    : null;
  if (!row) throw notFound('Webhook');
  return row;
}

export async function createWebhook(
  deps: ServiceDeps,
  actor: Actor,
  input: CreateWebhookInput,
): Promise<WebhookWithSecret> {
  checkUrl(input.url, deps.webhookPolicy);
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    // Serializes a brand's creates, so the limit holds under concurrency.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('webhooks:' || ${actor.brandId}))`;
    const count = await tx.webhookEndpoint.count({ where: { brandId: actor.brandId, deletedAt: null } });
    if (count >= WEBHOOK_LIMITS.perBrand) {
      throw badState('limit_reached', `A brand has at most ${WEBHOOK_LIMITS.perBrand} webhooks`, {
        limit: WEBHOOK_LIMITS.perBrand,
      });
    }
    const secret = newSecret();
    const row = await tx.webhookEndpoint.create({
      data: {
        id: newId('webhook'),
        brandId: actor.brandId,
        url: input.url,
        events: normalizeEvents(input.events),
        description: input.description ?? null,
        secret,
        createdAt: now,
        updatedAt: now,
      },
    });
    const result = { ...toWebhook(row), secret };
    await deps.recordOutcome?.(tx, result);
    return result;
  });
}

const normalizeEvents = (events: readonly string[]): string[] =>
  events.includes('*') ? ['*'] : [...new Set(events)];

export async function listWebhooks(deps: ServiceDeps, actor: Actor): Promise<WebhookList> {
  const rows = await deps.db.webhookEndpoint.findMany({
    where: { brandId: actor.brandId, deletedAt: null },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return { items: rows.map(toWebhook) };
}

export async function getWebhook(deps: ServiceDeps, actor: Actor, input: WebhookIdInput): Promise<Webhook> {
  return toWebhook(await findEndpoint(deps, actor, input.id));
}

export async function updateWebhook(
  deps: ServiceDeps,
  actor: Actor,
  input: UpdateWebhookInput,
): Promise<Webhook> {
  if (input.url !== undefined) checkUrl(input.url, deps.webhookPolicy);
  await findEndpoint(deps, actor, input.id);
  const data: Prisma.WebhookEndpointUpdateInput = { updatedAt: deps.clock.now() };
  if (input.url !== undefined) data.url = input.url;
  if (input.events !== undefined) data.events = normalizeEvents(input.events);
  if (input.description !== undefined) data.description = input.description;
  if (input.status !== undefined) {
    data.status = input.status;
    // Enabled again by its owner: the service's reason no longer applies, and failures count anew.
    if (input.status === 'enabled') Object.assign(data, { disabledReason: null, failingSince: null });
  }
  return toWebhook(await deps.db.webhookEndpoint.update({ where: { id: input.id }, data }));
}

export async function removeWebhook(
  deps: ServiceDeps,
  actor: Actor,
  input: WebhookIdInput,
): Promise<Webhook> {
  const row = await findEndpoint(deps, actor, input.id);
  const now = deps.clock.now();
  // Its pending deliveries stop: the worker claims only deliveries of live endpoints.
  await deps.db.$transaction([
    deps.db.webhookEndpoint.update({ where: { id: row.id }, data: { deletedAt: now, updatedAt: now } }),
    deps.db.webhookDelivery.updateMany({
      where: { endpointId: row.id, status: 'pending' },
      data: { status: 'cancelled', nextAttemptAt: null },
    }),
  ]);
  return toWebhook(row);
}

export async function rotateWebhookSecret(
  deps: ServiceDeps,
  actor: Actor,
  input: WebhookIdInput,
): Promise<WebhookWithSecret> {
  const row = await findEndpoint(deps, actor, input.id);
  const now = deps.clock.now();
  const secret = newSecret();
  const updated = await deps.db.webhookEndpoint.update({
    where: { id: row.id },
    data: {
      secret,
      previousSecret: row.secret,
      previousSecretUntil: new Date(now.getTime() + WEBHOOK_LIMITS.previousSecretMs),
      updatedAt: now,
    },
  });
  return { ...toWebhook(updated), secret };
}

/** One event for one endpoint, due now (the fan-out writes the feed's own: webhooks/worker.ts). */
async function queueDelivery(
  deps: ServiceDeps,
  endpointId: string,
  event: { eventId: string; eventType: string; payload: Prisma.InputJsonObject },
): Promise<void> {
  const now = deps.clock.now();
  await deps.db.webhookDelivery.create({
    data: { id: newId('webhookDelivery'), endpointId, ...event, nextAttemptAt: now, createdAt: now },
  });
}

/** A `webhook.test` event to this endpoint only (not in the trail, the feed or the stream). */
export async function sendTestWebhook(
  deps: ServiceDeps,
  actor: Actor,
  input: WebhookIdInput,
): Promise<{ event_id: string }> {
  const row = await findEndpoint(deps, actor, input.id);
  const now = deps.clock.now();
  const eventId = newId('event');
  const payload = {
    id: eventId,
    type: 'webhook.test',
    created_at: now.toISOString(),
    brand_id: actor.brandId,
    actor: { type: 'user', id: actor.sub },
    data: { webhook: toWebhook(row) },
  };
  await queueDelivery(deps, row.id, { eventId, eventType: 'webhook.test', payload });
  return { event_id: eventId };
}

/** Delivers an attempted event again, as a new delivery with the same `webhook-id`. */
export async function resendWebhook(
  deps: ServiceDeps,
  actor: Actor,
  input: ResendInput,
): Promise<{ event_id: string }> {
  const row = await findEndpoint(deps, actor, input.id);
  const attempt = isPlausibleId(input.attempt_id)
    ? await deps.db.webhookAttempt.findFirst({
        where: { id: input.attempt_id, endpointId: row.id },
        include: { delivery: true },
      })
    : null;
  if (!attempt) throw notFound('Attempt');
  const { eventId, eventType, payload } = attempt.delivery;
  await queueDelivery(deps, row.id, { eventId, eventType, payload: payload as Prisma.InputJsonObject });
  return { event_id: eventId };
}

// Opaque to callers: the last attempt's seq (services/cursor.ts).
const encodeAttemptCursor = (seq: bigint) => encodeOpaque(String(seq));
const decodeAttemptCursor = (cursor: string): bigint => decodeOpaque(cursor, parseBigint);

/** The endpoint's attempts, newest first. */
export async function listWebhookAttempts(
  deps: ServiceDeps,
  actor: Actor,
  input: ListAttemptsInput,
): Promise<WebhookAttemptPage> {
  const row = await findEndpoint(deps, actor, input.id);
  const limit = input.limit ?? WEBHOOK_LIMITS.attemptsPageDefault;
  const before = input.cursor === undefined ? undefined : decodeAttemptCursor(input.cursor);
  const rows = await deps.db.webhookAttempt.findMany({
    where: { endpointId: row.id, ...(before !== undefined ? { seq: { lt: before } } : {}) },
    include: { delivery: { select: { eventId: true, eventType: true } } },
    orderBy: { seq: 'desc' },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((attempt) => ({
      id: attempt.id,
      event_id: attempt.delivery.eventId,
      event_type: attempt.delivery.eventType,
      attempt: attempt.attempt,
      status_code: attempt.statusCode,
      error: attempt.error,
      duration_ms: attempt.durationMs,
      attempted_at: attempt.attemptedAt.toISOString(),
      next_retry_at: attempt.nextRetryAt?.toISOString() ?? null,
    })),
    next_cursor: rows.length > limit && last ? encodeAttemptCursor(last.seq) : null,
  };
}
