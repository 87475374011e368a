import {
  type AddStepInput,
  type CampaignIdInput,
  STEP_LIMITS,
  type Step,
  type StepList,
  type StepRefInput,
  type UpdateStepInput,
} from '@campaigns/contract';
import { Prisma, type Step as StepRow, withShape } from '@campaigns/db';
import { badState, notFound } from '../domain/errors';
import { isPlausibleId, newId } from '../domain/ids';
import { etagOf } from '../domain/versions';
import { appendEvent, auditEventInsertSql, stepEvent } from './audit';
import { beginChange, countSteps, lockCampaign, type Tx } from './campaign-lock';
import type { Actor, ServiceDeps } from './deps';
import { toStep } from './mappers';
import {
  assertChangeable,
  changeAllowed,
  changeAllowedShape,
  nextVersionSql,
  runPipelinedChange,
} from './pipelined-change';
import { inTransaction } from './transactions';

// Positions are shifted by one UPDATE; the (campaign_id, position) unique constraint is DEFERRABLE
// INITIALLY DEFERRED, so it is checked at commit, when positions are exactly 0..n-1 again.

const positionOutOfRange = (maxPosition: number) =>
  badState('position_out_of_range', `Position must be between 0 and ${maxPosition}`, {
    max_position: maxPosition,
  });

async function findStep(tx: Tx, campaignId: string, stepId: string) {
  const step = isPlausibleId(stepId) ? await tx.step.findFirst({ where: { id: stepId, campaignId } }) : null;
  if (!step) throw notFound('Step');
  return step;
}

const touchCampaign = (tx: Tx, campaignId: string, now: Date) =>
  tx.campaign.update({ where: { id: campaignId }, data: { updatedAt: now }, select: { id: true } });

const orderedSteps = async (tx: Tx | ServiceDeps['db'], campaignId: string): Promise<StepList> => ({
  items: (await tx.step.findMany({ where: { campaignId }, orderBy: { position: 'asc' } })).map(toStep),
});

export async function addStep(deps: ServiceDeps, actor: Actor, input: AddStepInput): Promise<Step> {
  const limit = STEP_LIMITS.maxStepsPerCampaign;
  const step: Step = {
    id: newId('step'),
    campaign_id: input.id,
    position: input.position,
    template_id: input.template_id,
    template_version_id: input.template_version_id,
    delay_minutes: input.delay_minutes,
    variables: input.variables,
  };
  const campaigns = Prisma.sql`campaigns`;
  // One round trip (services/pipelined-change.ts). The write counts the steps, shifts the later ones,
  // inserts the step, touches the campaign and records the event, all only if the lock found an
  // editable campaign at the If-Match version and the count allows the insert. It is a statement after
  // the lock, so its count sees every step change committed before the lock.
  const allowed = changeAllowed(deps, 'editSteps', campaigns);
  const write = Prisma.sql`
    WITH locked AS (
      SELECT id, ${nextVersionSql(deps.clock.now(), campaigns)} AS version FROM campaigns
       WHERE id = ${input.id} AND brand_id = ${actor.brandId} AND ${allowed}),
    counted AS (SELECT count(*)::int AS count FROM campaign_steps WHERE campaign_id = ${input.id}),
    allowed AS (
      SELECT locked.version FROM locked, counted WHERE counted.count < ${limit} AND ${input.position} <= counted.count),
    shifted AS (
      UPDATE campaign_steps SET position = position + 1, updated_at = allowed.version
        FROM allowed WHERE campaign_id = ${input.id} AND position >= ${input.position}),
    inserted AS (
      INSERT INTO campaign_steps
             (id, campaign_id, position, template_id, template_version_id, delay_minutes, variables,
              created_at, updated_at)
      SELECT ${step.id}, ${input.id}, ${input.position}, ${step.template_id}, ${step.template_version_id},
             ${step.delay_minutes}, ${JSON.stringify(step.variables)}::jsonb, allowed.version, allowed.version
        FROM allowed
      RETURNING id, campaign_id AS "campaignId", position, template_id AS "templateId",
                template_version_id AS "templateVersionId", delay_minutes AS "delayMinutes", variables),
    touched AS (UPDATE campaigns SET updated_at = allowed.version FROM allowed WHERE id = ${input.id}),
    audit AS (${auditEventInsertSql(Prisma.sql`allowed`, {
      campaignId: input.id,
      actor,
      action: 'step.added',
      stepId: step.id,
      before: Prisma.sql`NULL::jsonb`,
      after: Prisma.sql`${JSON.stringify(step)}::jsonb`,
      at: Prisma.sql`allowed.version`,
    })})
    SELECT counted.count, (SELECT version FROM allowed) AS version, inserted.*
      FROM counted LEFT JOIN inserted ON true`;
  // The rest of the text is fixed: only the If-Match condition varies it.
  const shape = `addStep/${changeAllowedShape(deps)}`;
  return runPipelinedChange(deps, actor, input.id, withShape(write, shape), (locked, written) => {
    const result = written[0] as ({ count: number; version: Date | null } & Partial<StepRow>) | undefined;
    if (!result) throw new Error('addStep: the statement returned no row');
    if (result.id == null || result.version == null) {
      assertChangeable(deps, locked, 'editSteps');
      if (result.count >= limit) {
        throw badState('step_limit_reached', `A campaign has at most ${limit} steps`, { limit });
      }
      throw positionOutOfRange(result.count);
    }
    deps.reportVersion?.(etagOf(result.version));
    // The stored step (jsonb normalizes `variables`), as a read of it would return.
    return toStep(result as StepRow);
  });
}

export async function listSteps(deps: ServiceDeps, actor: Actor, input: CampaignIdInput): Promise<StepList> {
  if (!isPlausibleId(input.id)) throw notFound('Campaign');
  const campaign = await deps.db.campaign.findFirst({
    where: { id: input.id, brandId: actor.brandId },
    select: { steps: { orderBy: { position: 'asc' } } },
  });
  if (!campaign) throw notFound('Campaign');
  return { items: campaign.steps.map(toStep) };
}

export async function updateStep(deps: ServiceDeps, actor: Actor, input: UpdateStepInput): Promise<Step> {
  return inTransaction(deps, async (tx) => {
    const locked = await lockCampaign(tx, actor, input.id);
    const step = await findStep(tx, input.id, input.step_id);
    const now = beginChange(deps, locked, 'editSteps');

    const from = step.position;
    const to = input.position;
    if (to !== undefined && to !== from) {
      const lastPosition = (await countSteps(tx, input.id)) - 1;
      if (to > lastPosition) throw positionOutOfRange(lastPosition);
      // Close the gap the step leaves and open one where it lands; the others keep their order.
      await (to < from
        ? tx.$executeRaw`
            UPDATE campaign_steps SET position = position + 1, updated_at = ${now}
             WHERE campaign_id = ${input.id} AND position >= ${to} AND position < ${from}`
        : tx.$executeRaw`
            UPDATE campaign_steps SET position = position - 1, updated_at = ${now}
             WHERE campaign_id = ${input.id} AND position > ${from} AND position <= ${to}`);
    }

    const row = await tx.step.update({
      where: { id: step.id },
      data: {
        ...(to !== undefined ? { position: to } : {}),
        ...(input.template_id !== undefined ? { templateId: input.template_id } : {}),
        ...(input.template_version_id !== undefined ? { templateVersionId: input.template_version_id } : {}),
        ...(input.delay_minutes !== undefined ? { delayMinutes: input.delay_minutes } : {}),
        ...(input.variables !== undefined ? { variables: input.variables as Prisma.InputJsonObject } : {}),
        updatedAt: now,
      },
    });
    await touchCampaign(tx, input.id, now);
    const after = toStep(row);
    await appendEvent(
      tx,
      stepEvent(actor, 'step.updated', input.id, { before: toStep(step), after, at: now }),
    );
    deps.reportVersion?.(etagOf(now));
    return after;
  });
}

export async function removeStep(deps: ServiceDeps, actor: Actor, input: StepRefInput): Promise<StepList> {
  return inTransaction(deps, async (tx) => {
    const locked = await lockCampaign(tx, actor, input.id);
    const step = await findStep(tx, input.id, input.step_id);
    const now = beginChange(deps, locked, 'editSteps');
    await tx.step.delete({ where: { id: step.id } });
    await tx.$executeRaw`
      UPDATE campaign_steps SET position = position - 1, updated_at = ${now}
       WHERE campaign_id = ${input.id} AND position > ${step.position}`;
    await touchCampaign(tx, input.id, now);
    await appendEvent(
      tx,
      stepEvent(actor, 'step.removed', input.id, { before: toStep(step), after: null, at: now }),
    );
    deps.reportVersion?.(etagOf(now));
    return orderedSteps(tx, input.id);
  });
}
