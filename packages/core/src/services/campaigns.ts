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
import { Prisma, queryRows, queryTextRows, readTextRows } from '@campaigns/db';
import { copyName } from '../domain/copy-name';
import { badState, notFound, validationFailed } from '../domain/errors';
import { isPlausibleId, newId } from '../domain/ids';
import { containsPattern, nameSearchKey } from '../domain/search';
import { etagOf } from '../domain/versions';
import { appendEvent, appendEvents, campaignEvent, stepEvent } from './audit';
import { beginChange, lockCampaign, type Tx } from './campaign-lock';
import { decodeCursor, encodeCursor } from './cursor';
import type { Actor, ServiceDeps } from './deps';
import { CAMPAIGN_TEXT_COLUMNS, campaignFromText, toCampaign, toStep } from './mappers';
import { changeCampaign } from './pipelined-change';
import { inTransaction } from './transactions';

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
  // Raw SQL, pipelined with the other reads (readTextRows): the statement findFirst sends, without Prisma's cost.
  const [row] = await readTextRows(
    deps.db,
    Prisma.sql`SELECT ${CAMPAIGN_TEXT_COLUMNS} FROM campaigns WHERE id = ${input.id} AND brand_id = ${actor.brandId} LIMIT 1`,
  );
  if (!row) throw notFound('Campaign');
  const campaign = campaignFromText(row);
  deps.reportVersion?.(etagOf(campaign.updated_at));
  return campaign;
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
  const page = Prisma.sql`SELECT ${CAMPAIGN_TEXT_COLUMNS} FROM campaigns WHERE ${Prisma.join(filters, ' AND ')}
                ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`;
  // A plain page is an index range of limit + 1 rows: a short read (readTextRows). A search can walk far
  // before it finds a page (scaling in docs/performance.md): on the pool, it delays no other read.
  const rows = await (input.q === undefined ? readTextRows : queryTextRows)(deps.db, page);
  const items = rows.slice(0, limit).map(campaignFromText);
  const last = items.at(-1);
  return {
    items,
    next_cursor:
      rows.length > limit && last
        ? encodeCursor({ createdAt: new Date(last.created_at), id: last.id })
        : null,
  };
}

export async function updateCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: UpdateCampaignInput,
): Promise<Campaign> {
  // Which fields are set names the statement's text (changeCampaign's `shape`).
  const set: Prisma.Sql[] = [];
  let shape = 'update';
  if (input.name !== undefined) {
    set.push(Prisma.sql`name = ${input.name}`, Prisma.sql`name_search = ${nameSearchKey(input.name)}`);
    shape += '/name';
  }
  if (input.description !== undefined) {
    set.push(Prisma.sql`description = ${input.description}`);
    shape += '/description';
  }
  if (input.segment_id !== undefined) {
    set.push(Prisma.sql`segment_id = ${input.segment_id}`);
    shape += '/segment_id';
  }
  if (input.send_window !== undefined) {
    const window = input.send_window === null ? null : JSON.stringify(input.send_window);
    set.push(Prisma.sql`send_window = ${window}::jsonb`);
    shape += '/send_window';
  }
  // One round trip (services/pipelined-change.ts): written only if the lock found an editable campaign
  // at the version named by If-Match; there is no further condition.
  return changeCampaign(deps, actor, {
    id: input.id,
    action: 'update',
    auditAction: 'campaign.updated',
    now: deps.clock.now(),
    set,
    shape,
    refusal: () => new Error('updateCampaign: allowed, yet nothing was written'),
  });
}

export async function scheduleCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: ScheduleCampaignInput,
): Promise<Campaign> {
  const scheduledAt = new Date(input.scheduled_at);
  const now = deps.clock.now();
  if (scheduledAt.getTime() <= now.getTime()) {
    throw validationFailed([{ path: ['scheduled_at'], message: 'Must be in the future' }]);
  }
  // One round trip (services/pipelined-change.ts). The step check is part of the write, a statement
  // after the lock: it sees every step change committed before the lock. next_due_at: the dispatcher
  // picks the campaign up at scheduled_at; a reschedule replaces it. The instant goes as ISO text (pg's
  // conversion of a Date costs ~2 µs a value).
  const scheduledAtIso = scheduledAt.toISOString();
  return changeCampaign(deps, actor, {
    id: input.id,
    action: 'schedule',
    auditAction: 'campaign.scheduled',
    now,
    set: [
      Prisma.sql`status = 'scheduled'`,
      Prisma.sql`scheduled_at = ${scheduledAtIso}::timestamptz`,
      Prisma.sql`published_at = locked.version`,
      Prisma.sql`next_due_at = ${scheduledAtIso}::timestamptz`,
    ],
    also: Prisma.sql`EXISTS (SELECT 1 FROM campaign_steps WHERE campaign_id = ${input.id})`,
    shape: 'schedule',
    refusal: () => badState('no_steps', 'A campaign without steps cannot be scheduled; add a step first'),
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
