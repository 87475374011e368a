import { CAMPAIGN_STATUSES, type CampaignStatus } from '@campaigns/contract';
import {
  API_MD_ALLOWED_FROM,
  CONTRACT_OPERATIONS,
  type ContractOperation,
} from '@campaigns/contract/testing';
import { allowedFrom, assertAllowed, type Clock, DomainError } from '@campaigns/core';
import { forceStatus } from '@campaigns/db/testing';
import { describe, expect, it } from 'vitest';
import { failure, useRules } from './support';

// The campaign state machine of API.md, every status × operation, through the router. The expected
// table is API.md's, written out in @campaigns/contract/testing independently of the code's table. The
// HTTP suite (apps/server/test/lifecycle/state-machine.test.ts) keeps how each answer looks on the wire.

// Near the real time: forceStatus dates what it forces from the real clock.
let now = new Date();
const clock: Clock = { now: () => new Date(now) };
const advance = (ms: number) => {
  now = new Date(now.getTime() + ms);
  return now;
};
const rules = useRules(clock);

const HOUR = 3_600_000;
type Operation = ContractOperation;
const CONTRACT = API_MD_ALLOWED_FROM;
const OPERATIONS = CONTRACT_OPERATIONS;

type Api = Awaited<ReturnType<typeof rules.callerAs>>['api'];
interface Target {
  id: string;
  stepId: string;
}

const call: Record<Operation, (api: Api, t: Target) => Promise<unknown>> = {
  update: (api, t) => api.campaigns.update({ id: t.id, name: 'Renamed' }),
  schedule: (api, t) =>
    api.campaigns.schedule({ id: t.id, scheduled_at: new Date(now.getTime() + 2 * HOUR).toISOString() }),
  unschedule: (api, t) => api.campaigns.unschedule({ id: t.id }),
  cancel: (api, t) => api.campaigns.cancel({ id: t.id }),
  addStep: (api, t) =>
    api.campaigns.addStep({ id: t.id, position: 0, template_id: 't', template_version_id: 'v' }),
  updateStep: (api, t) =>
    api.campaigns.updateStep({ id: t.id, step_id: t.stepId, position: 1, delay_minutes: 3 }),
  removeStep: (api, t) => api.campaigns.removeStep({ id: t.id, step_id: t.stepId }),
};

/** A campaign with two steps, put into `status` directly (sending and sent have no API of their own). */
async function campaignIn(api: Api, status: CampaignStatus): Promise<Target> {
  const campaign = await api.campaigns.create({ name: `In ${status}`, segment_id: 'seg_1' });
  const first = await api.campaigns.addStep({
    id: campaign.id,
    position: 0,
    template_id: 'tpl_0',
    template_version_id: 'tplv_1',
  });
  await api.campaigns.addStep({
    id: campaign.id,
    position: 1,
    template_id: 'tpl_1',
    template_version_id: 'tplv_1',
  });
  await forceStatus(rules.db, campaign.id, status);
  return { id: campaign.id, stepId: first.id };
}

const stored = (id: string) =>
  rules.db.campaign.findUniqueOrThrow({
    where: { id },
    include: { steps: { orderBy: { position: 'asc' } } },
  });

describe('lifecycle.ts is the contract', () => {
  it.each(OPERATIONS)('%s is allowed exactly from the statuses API.md lists', (operation) => {
    const action = operation.endsWith('Step')
      ? 'editSteps'
      : (operation as 'update' | 'schedule' | 'unschedule' | 'cancel');
    expect([...allowedFrom(action)].sort()).toEqual([...CONTRACT[operation]].sort());
  });

  it('the dispatcher transitions follow the diagram: scheduled → sending → sent', () => {
    expect(allowedFrom('startSending')).toEqual(['scheduled']);
    expect(allowedFrom('finishSending')).toEqual(['sending']);
  });

  it('refusals name the rule and the current status', () => {
    expect(() => assertAllowed('unschedule', 'draft')).toThrow(DomainError);
    try {
      assertAllowed('unschedule', 'draft');
    } catch (error) {
      expect((error as DomainError).code).toBe('bad_state');
      expect((error as DomainError).details).toEqual({ reason: 'invalid_status', status: 'draft' });
    }
  });
});

const matrix = OPERATIONS.flatMap((operation) =>
  CAMPAIGN_STATUSES.map((status) => [operation, status] as const),
);

describe('every operation from every status', () => {
  it.each(matrix)('%s from %s', async (operation, status) => {
    const { api } = await rules.callerAs();
    const target = await campaignIn(api, status);
    const before = await stored(target.id);
    if (CONTRACT[operation].includes(status)) {
      await call[operation](api, target);
    } else {
      expect(await failure(call[operation](api, target))).toEqual({
        code: 'bad_state',
        details: { reason: 'invalid_status', status },
      });
      expect(await stored(target.id), 'a refused change wrote something').toEqual(before);
    }
  });
});

describe('the order of the checks', () => {
  it('schedule reports invalid_status before no_steps', async () => {
    const { api } = await rules.callerAs();
    const campaign = await api.campaigns.create({ name: 'Empty', segment_id: 'seg_1' });
    await forceStatus(rules.db, campaign.id, 'cancelled');
    expect(await failure(call.schedule(api, { id: campaign.id, stepId: '' }))).toEqual({
      code: 'bad_state',
      details: { reason: 'invalid_status', status: 'cancelled' },
    });
  });
});

describe('transitions and their timestamps', () => {
  it('unschedule: back to draft, scheduled_at and published_at cleared, updated_at moves', async () => {
    const { api } = await rules.callerAs();
    const target = await campaignIn(api, 'draft');
    await call.schedule(api, target);
    const at = advance(1_000);
    expect(await api.campaigns.unschedule({ id: target.id })).toMatchObject({
      status: 'draft',
      scheduled_at: null,
      published_at: null,
      cancelled_at: null,
      updated_at: at.toISOString(),
    });
    // A draft again in every respect: editable, and schedulable again.
    await call.addStep(api, target);
    expect(((await call.schedule(api, target)) as { status: string }).status).toBe('scheduled');
  });

  it.each<CampaignStatus>(['draft', 'scheduled', 'sending'])(
    'cancel from %s: cancelled_at = updated_at = now',
    async (status) => {
      const { api } = await rules.callerAs();
      const target = await campaignIn(api, status);
      const at = advance(1_000);
      expect(await api.campaigns.cancel({ id: target.id })).toMatchObject({
        status: 'cancelled',
        cancelled_at: at.toISOString(),
        updated_at: at.toISOString(),
      });
      expect((await stored(target.id))?.cancelledAt?.toISOString()).toBe(at.toISOString());
    },
  );

  it('the full happy path: draft → scheduled → (reschedule) → draft → scheduled → cancelled', async () => {
    const { api } = await rules.callerAs();
    const target = await campaignIn(api, 'draft');
    const statuses = [];
    for (const operation of ['schedule', 'schedule', 'unschedule', 'schedule', 'cancel'] as const) {
      advance(1_000);
      statuses.push(((await call[operation](api, target)) as { status: string }).status);
    }
    expect(statuses).toEqual(['scheduled', 'scheduled', 'draft', 'scheduled', 'cancelled']);
    // cancelled is terminal
    for (const operation of OPERATIONS) {
      expect((await failure(call[operation](api, target))).code).toBe('bad_state');
    }
  });
});
