import {
  CAMPAIGN_LIMITS,
  type Campaign,
  type CampaignIdInput,
  type CampaignPage,
  type CreateCampaignInput,
  type ListCampaignsInput,
  type ScheduleCampaignInput,
  type UpdateCampaignInput,
} from '@campaigns/contract';
import { badState, notFound, validationFailed } from '../domain/errors';
import { isPlausibleId, newId } from '../domain/ids';
import { assertAllowed } from '../domain/lifecycle';
import { countSteps, lockCampaign } from './campaign-lock';
import { decodeCursor, encodeCursor } from './cursor';
import type { Actor, ServiceDeps } from './deps';
import { toCampaign } from './mappers';

export async function createCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: CreateCampaignInput,
): Promise<Campaign> {
  const now = deps.clock.now();
  const row = await deps.db.campaign.create({
    data: {
      id: newId('campaign'),
      brandId: actor.brandId,
      name: input.name,
      description: input.description ?? null,
      segmentId: input.segment_id,
      status: 'draft',
      createdBy: actor.sub,
      createdAt: now,
      updatedAt: now,
    },
  });
  return toCampaign(row);
}

export async function getCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: CampaignIdInput,
): Promise<Campaign> {
  if (!isPlausibleId(input.id)) throw notFound('Campaign');
  const row = await deps.db.campaign.findFirst({ where: { id: input.id, brandId: actor.brandId } });
  if (!row) throw notFound('Campaign');
  return toCampaign(row);
}

export async function listCampaigns(
  deps: ServiceDeps,
  actor: Actor,
  input: ListCampaignsInput,
): Promise<CampaignPage> {
  const limit = input.limit ?? CAMPAIGN_LIMITS.pageSizeDefault;
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  const rows = await deps.db.campaign.findMany({
    where: {
      brandId: actor.brandId,
      ...(input.status ? { status: input.status } : {}),
      // (created_at, id) < (cursor): the redundant `lte` bound lets PostgreSQL start the index range at
      // the cursor instead of filtering from the top, so any page costs O(page).
      ...(after
        ? {
            createdAt: { lte: after.createdAt },
            OR: [
              { createdAt: { lt: after.createdAt } },
              { createdAt: after.createdAt, id: { lt: after.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
  });
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
  return deps.db.$transaction(async (tx) => {
    assertAllowed('update', await lockCampaign(tx, actor, input.id));
    const row = await tx.campaign.update({
      where: { id: input.id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.segment_id !== undefined ? { segmentId: input.segment_id } : {}),
        updatedAt: deps.clock.now(),
      },
    });
    return toCampaign(row);
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
  return deps.db.$transaction(async (tx) => {
    assertAllowed('schedule', await lockCampaign(tx, actor, input.id));
    if ((await countSteps(tx, input.id)) === 0) {
      throw badState('no_steps', 'A campaign without steps cannot be scheduled; add a step first');
    }
    const row = await tx.campaign.update({
      where: { id: input.id },
      data: { status: 'scheduled', scheduledAt, publishedAt: now, updatedAt: now },
    });
    return toCampaign(row);
  });
}

export async function unscheduleCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: CampaignIdInput,
): Promise<Campaign> {
  return deps.db.$transaction(async (tx) => {
    assertAllowed('unschedule', await lockCampaign(tx, actor, input.id));
    const row = await tx.campaign.update({
      where: { id: input.id },
      data: { status: 'draft', scheduledAt: null, publishedAt: null, updatedAt: deps.clock.now() },
    });
    return toCampaign(row);
  });
}

export async function cancelCampaign(
  deps: ServiceDeps,
  actor: Actor,
  input: CampaignIdInput,
): Promise<Campaign> {
  return deps.db.$transaction(async (tx) => {
    assertAllowed('cancel', await lockCampaign(tx, actor, input.id));
    const now = deps.clock.now();
    const row = await tx.campaign.update({
      where: { id: input.id },
      data: { status: 'cancelled', cancelledAt: now, updatedAt: now },
    });
    return toCampaign(row);
  });
}
