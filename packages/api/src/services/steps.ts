import {
  type AddStepInput,
  type CampaignIdInput,
  STEP_LIMITS,
  type Step,
  type StepList,
  type StepRefInput,
  type UpdateStepInput,
} from '@campaigns/contract';
import type { Prisma } from '@campaigns/db';
import { badState, notFound } from '../domain/errors';
import { isPlausibleId, newId } from '../domain/ids';
import { assertAllowed } from '../domain/lifecycle';
import { countSteps, lockCampaign, type Tx } from './campaign-lock';
import type { Actor, ServiceDeps } from './deps';
import { toStep } from './mappers';

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
  return deps.db.$transaction(async (tx) => {
    assertAllowed('editSteps', await lockCampaign(tx, actor, input.id));
    const count = await countSteps(tx, input.id);
    if (count >= STEP_LIMITS.maxStepsPerCampaign) {
      throw badState(
        'step_limit_reached',
        `A campaign has at most ${STEP_LIMITS.maxStepsPerCampaign} steps`,
        {
          limit: STEP_LIMITS.maxStepsPerCampaign,
        },
      );
    }
    if (input.position > count) throw positionOutOfRange(count);

    const now = deps.clock.now();
    await tx.$executeRaw`
      UPDATE campaign_steps SET position = position + 1, updated_at = ${now}
       WHERE campaign_id = ${input.id} AND position >= ${input.position}`;
    const row = await tx.step.create({
      data: {
        id: newId('step'),
        campaignId: input.id,
        position: input.position,
        templateId: input.template_id,
        templateVersionId: input.template_version_id,
        delayMinutes: input.delay_minutes ?? 0,
        variables: (input.variables ?? {}) as Prisma.InputJsonObject,
        createdAt: now,
        updatedAt: now,
      },
    });
    await touchCampaign(tx, input.id, now);
    return toStep(row);
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
  return deps.db.$transaction(async (tx) => {
    assertAllowed('editSteps', await lockCampaign(tx, actor, input.id));
    const step = await findStep(tx, input.id, input.step_id);
    const now = deps.clock.now();

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
    return toStep(row);
  });
}

export async function removeStep(deps: ServiceDeps, actor: Actor, input: StepRefInput): Promise<StepList> {
  return deps.db.$transaction(async (tx) => {
    assertAllowed('editSteps', await lockCampaign(tx, actor, input.id));
    const step = await findStep(tx, input.id, input.step_id);
    const now = deps.clock.now();
    await tx.step.delete({ where: { id: step.id } });
    await tx.$executeRaw`
      UPDATE campaign_steps SET position = position - 1, updated_at = ${now}
       WHERE campaign_id = ${input.id} AND position > ${step.position}`;
    await touchCampaign(tx, input.id, now);
    return orderedSteps(tx, input.id);
  });
}
