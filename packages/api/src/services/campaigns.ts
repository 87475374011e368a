import {
  CAMPAIGN_LIMITS,
  type Campaign,
  type CampaignIdInput,
  type CampaignPage,
  type CreateCampaignInput,
  type ListCampaignsInput,
  type ScheduleCampaignInput,
  type SendWindow,
  type UpdateCampaignInput,
} from '@campaigns/contract';
import { type Campaign as CampaignRow, Prisma, queryRows } from '@campaigns/db';
import { copyName } from '../domain/copy-name';
import { badState, notFound, validationFailed } from '../domain/errors';
import { isPlausibleId, newId } from '../domain/ids';
import { containsPattern, nameSearchKey } from '../domain/search';
import { etagOf } from '../domain/versions';
import { appendEvent, appendEvents, auditEventInsertFrom, campaignEvent, stepEvent } from './audit';
import { beginChange, CAMPAIGN_COLUMNS, lockCampaign, lockCampaignRow, type Tx } from './campaign-lock';
import { decodeCursor, encodeCursor } from './cursor';
import type { Actor, ServiceDeps } from './deps';
import { toCampaign, toStep } from './mappers';
import { inRawTransaction, inTransaction } from './transactions';

/** A send window as the JSONB column holds it; null is SQL NULL. */
const sendWindowColumn = (window: SendWindow | null): Prisma.InputJsonObject | typeof Prisma.DbNull =>
  window === null ? Prisma.DbNull : { ...window };

/** The locked campaign as it is before a change, for the audit trail. */
const campaignBefore = async (tx: Tx, id: string): Promise<Campaign> =>
  toCampaign(await tx.campaign.findUniqueOrThrow({ where: { id } }));

export async function createCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: CreateCampaignInput,
): Promise<Campaign> {
  const now = deps.clock.now();
  // A transaction: the campaign and its audit event exist together or not at all.
  return inTransaction(deps, async (tx) => {
    const row = await tx.campaign.create({
      data: {
        id: newId('campaign'),
        brandId: actor.brandId,
        name: input.name,
        nameSearch: nameSearchKey(input.name),
        description: input.description ?? null,
        segmentId: input.segment_id,
        sendWindow: sendWindowColumn(input.send_window ?? null),
        status: 'draft',
        createdBy: actor.sub,
        createdAt: now,
        updatedAt: now,
      },
    });
    const campaign = toCampaign(row);
    await appendEvent(tx, campaignEvent(actor, 'campaign.created', null, campaign));
    deps.reportVersion?.(etagOf(campaign.updated_at));
    return campaign;
  });
}

export async function getCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: CampaignIdInput,
): Promise<Campaign> {
  if (!isPlausibleId(input.id)) throw notFound('Campaign');
  // Raw SQL on the shared pool (queryRows): the same statement findFirst sends, without Prisma's client cost.
  const [row] = await queryRows<CampaignRow>(
    deps.db,
    Prisma.sql`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ${input.id} AND brand_id = ${actor.brandId} LIMIT 1`,
  );
  if (!row) throw notFound('Campaign');
  deps.reportVersion?.(etagOf(row.updatedAt));
  return toCampaign(row);
}

export async function listCampaigns(
  deps: ServiceDeps,
  actor: Actor,
  input: ListCampaignsInput,
): Promise<CampaignPage> {
  const limit = input.limit ?? CAMPAIGN_LIMITS.pageSizeDefault;
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  const filters = [Prisma.sql`brand_id = ${actor.brandId}`];
  if (input.status) filters.push(Prisma.sql`status = ${input.status}::campaign_status`);
  // Served by campaigns_name_search_trgm_idx when selective, else by the keyset index (docs/performance.md).
  if (input.q !== undefined) filters.push(Prisma.sql`name_search LIKE ${containsPattern(input.q)}`);
  if (after) {
    // (created_at, id) < (cursor): the redundant `<=` bound lets PostgreSQL start the index range at the
    // cursor instead of filtering from the top, so any page costs O(page).
    filters.push(
      Prisma.sql`created_at <= ${after.createdAt} AND (created_at < ${after.createdAt} OR (created_at = ${after.createdAt} AND id < ${after.id}))`,
    );
  }
  const rows = await queryRows<CampaignRow>(
    deps.db,
    Prisma.sql`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE ${Prisma.join(filters, ' AND ')}
                ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toCampaign),
    next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}

export async function updateCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: UpdateCampaignInput,
): Promise<Campaign> {
  // Four round trips, as schedule: BEGIN, the lock returning the whole row, one statement that writes
  // the change and its audit event, COMMIT. The new row is known before the write (only these columns
  // change), so the statement needs no RETURNING to build the response.
  return inRawTransaction(deps, async (tx) => {
    const before = await lockCampaignRow(tx, actor, input.id);
    const now = beginChange(
      deps,
      { status: before.status, updatedAt: new Date(before.updated_at) },
      'update',
    );
    const campaign: Campaign = {
      ...before,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.segment_id !== undefined ? { segment_id: input.segment_id } : {}),
      ...(input.send_window !== undefined ? { send_window: input.send_window } : {}),
      updated_at: now.toISOString(),
    };
    const event = campaignEvent(actor, 'campaign.updated', before, campaign);
    const sendWindow = campaign.send_window === null ? null : JSON.stringify(campaign.send_window);
    await tx.query(Prisma.sql`
      WITH updated AS (
        UPDATE campaigns
           SET name = ${campaign.name}, name_search = ${nameSearchKey(campaign.name)},
               description = ${campaign.description}, segment_id = ${campaign.segment_id},
               send_window = ${sendWindow}::jsonb, updated_at = ${now}
         WHERE id = ${input.id}
        RETURNING id)
      ${auditEventInsertFrom(Prisma.sql`updated`, event)}`);
    deps.reportVersion?.(etagOf(now));
    return campaign;
  });
}

export async function scheduleCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: ScheduleCampaignInput,
): Promise<Campaign> {
  const scheduledAt = new Date(input.scheduled_at);
  if (scheduledAt.getTime() <= deps.clock.now().getTime()) {
    throw validationFailed([{ path: ['scheduled_at'], message: 'Must be in the future' }]);
  }
  // Four round trips (BEGIN, lock, one statement that checks and writes, COMMIT) instead of seven
  // (docs/performance.md): the lock returns the whole row, and the step check, the update and the audit
  // event are one statement. That statement runs after the lock, so READ COMMITTED gives it a snapshot
  // in which every step change committed before the lock is visible (campaign-lock.ts). The transaction
  // is raw pg on Prisma's own pool (withTransaction): the same statements without Prisma's client cost.
  return inRawTransaction(deps, async (tx) => {
    const before = await lockCampaignRow(tx, actor, input.id);
    // After the lock, so the version moves past any change we waited for.
    const now = beginChange(
      deps,
      { status: before.status, updatedAt: new Date(before.updated_at) },
      'schedule',
    );
    const campaign: Campaign = {
      ...before,
      status: 'scheduled',
      scheduled_at: scheduledAt.toISOString(),
      published_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    const event = campaignEvent(actor, 'campaign.scheduled', before, campaign);
    // next_due_at: the dispatcher picks the campaign up at scheduled_at; a reschedule replaces it.
    const [result] = await tx.query<{ scheduled: number }>(Prisma.sql`
      WITH updated AS (
        UPDATE campaigns
           SET status = 'scheduled', scheduled_at = ${scheduledAt}, published_at = ${now}, updated_at = ${now},
               next_due_at = ${scheduledAt}
         WHERE id = ${input.id} AND EXISTS (SELECT 1 FROM campaign_steps WHERE campaign_id = ${input.id})
        RETURNING id),
      audit AS (${auditEventInsertFrom(Prisma.sql`updated`, event)})
      SELECT count(*)::int AS scheduled FROM updated`);
    if (!result?.scheduled) {
      throw badState('no_steps', 'A campaign without steps cannot be scheduled; add a step first');
    }
    deps.reportVersion?.(etagOf(now));
    return campaign;
  });
}

export async function unscheduleCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: CampaignIdInput,
): Promise<Campaign> {
  return inTransaction(deps, async (tx) => {
    const now = beginChange(deps, await lockCampaign(tx, actor, input.id), 'unschedule');
    const before = await campaignBefore(tx, input.id);
    const row = await tx.campaign.update({
      where: { id: input.id },
      data: { status: 'draft', scheduledAt: null, publishedAt: null, updatedAt: now, nextDueAt: null },
    });
    const campaign = toCampaign(row);
    await appendEvent(tx, campaignEvent(actor, 'campaign.unscheduled', before, campaign));
    deps.reportVersion?.(etagOf(now));
    return campaign;
  });
}

export async function cancelCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: CampaignIdInput,
): Promise<Campaign> {
  return inTransaction(deps, async (tx) => {
    const now = beginChange(deps, await lockCampaign(tx, actor, input.id), 'cancel');
    const before = await campaignBefore(tx, input.id);
    const row = await tx.campaign.update({
      where: { id: input.id },
      // No next due time: the dispatcher never claims it again, and its lock on the row (taken before
      // it fires anything) orders a cancel strictly before or after any firing (docs/dispatch.md).
      data: { status: 'cancelled', cancelledAt: now, updatedAt: now, nextDueAt: null },
    });
    const campaign = toCampaign(row);
    await appendEvent(tx, campaignEvent(actor, 'campaign.cancelled', before, campaign));
    deps.reportVersion?.(etagOf(now));
    return campaign;
  });
}

interface DuplicateSource {
  name: string;
  description: string | null;
  segmentId: string;
  sendWindow: SendWindow | null;
  steps: Array<{
    templateId: string;
    templateVersionId: string;
    delayMinutes: number;
    variables: Prisma.JsonObject;
  }>;
}

/**
 * A new draft with the source's fields and steps (new ids), from any status. The source and its steps
 * are read by one statement, so the copy is of one committed version even while the source is edited.
 */
export async function duplicateCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: CampaignIdInput,
): Promise<Campaign> {
  if (!isPlausibleId(input.id)) throw notFound('Campaign');
  const [source] = await queryRows<DuplicateSource>(
    deps.db,
    Prisma.sql`
      SELECT c.name, c.description, c.segment_id AS "segmentId", c.send_window AS "sendWindow",
             COALESCE((SELECT json_agg(json_build_object('templateId', s.template_id,
                                 'templateVersionId', s.template_version_id, 'delayMinutes', s.delay_minutes,
                                 'variables', s.variables) ORDER BY s.position)
                         FROM campaign_steps s WHERE s.campaign_id = c.id), '[]') AS steps
        FROM campaigns c WHERE c.id = ${input.id} AND c.brand_id = ${actor.brandId}`,
  );
  if (!source) throw notFound('Campaign');
  const now = deps.clock.now();
  const name = copyName(source.name);
  return inTransaction(deps, async (tx) => {
    const row = await tx.campaign.create({
      data: {
        id: newId('campaign'),
        brandId: actor.brandId,
        name,
        nameSearch: nameSearchKey(name),
        description: source.description,
        segmentId: source.segmentId,
        sendWindow: sendWindowColumn(source.sendWindow),
        status: 'draft',
        createdBy: actor.sub,
        createdAt: now,
        updatedAt: now,
      },
    });
    const steps = source.steps.map((step, position) => ({
      id: newId('step'),
      campaignId: row.id,
      position,
      ...step,
      createdAt: now,
      updatedAt: now,
    }));
    if (steps.length > 0) await tx.step.createMany({ data: steps });
    const campaign = toCampaign(row);
    await appendEvents(tx, [
      campaignEvent(actor, 'campaign.created', null, campaign),
      ...steps.map((step) =>
        stepEvent(actor, 'step.added', campaign.id, { before: null, after: toStep(step), at: now }),
      ),
    ]);
    deps.reportVersion?.(etagOf(now));
    return campaign;
  });
}
