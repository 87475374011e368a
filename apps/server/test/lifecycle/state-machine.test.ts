import { CAMPAIGN_STATUSES, type Campaign, type CampaignStatus } from '@campaigns/contract';
import { allowedFrom, assertAllowed, DomainError } from '@campaigns/core';
import { describe, expect, it } from 'vitest';
import {
  campaignPath,
  draftWithSteps,
  expectErrorBody,
  forceStatus,
  snapshot,
  stepPath,
  stepsPath,
  trpcFailure,
} from '../support/campaigns';
import { TestClock } from '../support/clock';
import type { RestResponse } from '../support/rest';
import { useTestServer } from '../support/use-test-server';

// The campaign state machine of API.md, for every status × operation, over REST and tRPC. The expected
// table is written out here from API.md, independently of packages/core/src/domain/lifecycle.ts.

const clock = new TestClock();
const harness = useTestServer({ clock });

const HOUR = 3_600_000;
type Operation = 'update' | 'schedule' | 'unschedule' | 'cancel' | 'addStep' | 'updateStep' | 'removeStep';

/** API.md: which statuses each operation is allowed from. */
const CONTRACT: Record<Operation, readonly CampaignStatus[]> = {
  update: ['draft'],
  schedule: ['draft', 'scheduled'],
  unschedule: ['scheduled'],
  cancel: ['draft', 'scheduled', 'sending'],
  addStep: ['draft'],
  updateStep: ['draft'],
  removeStep: ['draft'],
};
const OPERATIONS = Object.keys(CONTRACT) as Operation[];

interface Target {
  campaign: Campaign;
  stepId: string;
}

/** Each operation over REST: expected success status and the request. */
const overRest: Record<Operation, { ok: number; call: (t: Target) => Promise<RestResponse> }> = {
  update: {
    ok: 200,
    call: (t) =>
      harness.rest('PATCH', campaignPath(t.campaign.id), { token: harness.token, body: { name: 'Renamed' } }),
  },
  schedule: {
    ok: 200,
    call: (t) =>
      harness.rest('POST', `${campaignPath(t.campaign.id)}/schedule`, {
        token: harness.token,
        body: { scheduled_at: new Date(clock.now().getTime() + 2 * HOUR).toISOString() },
      }),
  },
  unschedule: {
    ok: 200,
    call: (t) => harness.rest('POST', `${campaignPath(t.campaign.id)}/unschedule`, { token: harness.token }),
  },
  cancel: {
    ok: 200,
    call: (t) => harness.rest('POST', `${campaignPath(t.campaign.id)}/cancel`, { token: harness.token }),
  },
  addStep: {
    ok: 201,
    call: (t) =>
      harness.rest('POST', stepsPath(t.campaign.id), {
        token: harness.token,
        body: { position: 0, template_id: 't', template_version_id: 'v' },
      }),
  },
  updateStep: {
    ok: 200,
    call: (t) =>
      harness.rest('PATCH', stepPath(t.campaign.id, t.stepId), {
        token: harness.token,
        body: { position: 1, delay_minutes: 3 },
      }),
  },
  removeStep: {
    ok: 200,
    call: (t) => harness.rest('DELETE', stepPath(t.campaign.id, t.stepId), { token: harness.token }),
  },
};

/** The same operations through the typed tRPC client. */
const overTrpc: Record<Operation, (t: Target) => Promise<unknown>> = {
  update: (t) =>
    harness.server.client(harness.token).campaigns.update.mutate({ id: t.campaign.id, name: 'Renamed' }),
  schedule: (t) =>
    harness.server.client(harness.token).campaigns.schedule.mutate({
      id: t.campaign.id,
      scheduled_at: new Date(clock.now().getTime() + 2 * HOUR).toISOString(),
    }),
  unschedule: (t) => harness.server.client(harness.token).campaigns.unschedule.mutate({ id: t.campaign.id }),
  cancel: (t) => harness.server.client(harness.token).campaigns.cancel.mutate({ id: t.campaign.id }),
  addStep: (t) =>
    harness.server.client(harness.token).campaigns.addStep.mutate({
      id: t.campaign.id,
      position: 0,
      template_id: 't',
      template_version_id: 'v',
    }),
  updateStep: (t) =>
    harness.server
      .client(harness.token)
      .campaigns.updateStep.mutate({ id: t.campaign.id, step_id: t.stepId, position: 1, delay_minutes: 3 }),
  removeStep: (t) =>
    harness.server
      .client(harness.token)
      .campaigns.removeStep.mutate({ id: t.campaign.id, step_id: t.stepId }),
};

async function campaignIn(status: CampaignStatus): Promise<Target> {
  const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 2);
  await forceStatus(harness.server.db, campaign.id, status);
  return { campaign, stepId: steps[0]!.id };
}

const matrix = OPERATIONS.flatMap((operation) =>
  CAMPAIGN_STATUSES.map((status) => [operation, status] as const),
);

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
    expect.assertions(3);
    try {
      assertAllowed('unschedule', 'draft');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('bad_state');
      expect((error as DomainError).details).toEqual({ reason: 'invalid_status', status: 'draft' });
    }
  });
});

describe('over REST', () => {
  it.each(matrix)('%s from %s', async (operation, status) => {
    const target = await campaignIn(status);
    const before = await snapshot(harness.server.db, target.campaign.id);
    const response = await overRest[operation].call(target);
    if (CONTRACT[operation].includes(status)) {
      expect(response.status, response.text).toBe(overRest[operation].ok);
    } else {
      expectErrorBody(response, 412, 'bad_state', { reason: 'invalid_status', status });
      expect((response.body as { message: string }).message).toContain(status);
      expect(await snapshot(harness.server.db, target.campaign.id)).toEqual(before);
    }
  });
});

describe('over tRPC', () => {
  it.each(matrix)('%s from %s', async (operation, status) => {
    const target = await campaignIn(status);
    const before = await snapshot(harness.server.db, target.campaign.id);
    if (CONTRACT[operation].includes(status)) {
      await overTrpc[operation](target);
    } else {
      const data = await trpcFailure(overTrpc[operation](target));
      expect(data).toMatchObject({ code: 'PRECONDITION_FAILED', httpStatus: 412, error: 'bad_state' });
      expect(data.details).toEqual({ reason: 'invalid_status', status });
      expect(await snapshot(harness.server.db, target.campaign.id)).toEqual(before);
    }
  });
});

describe('transitions and their timestamps', () => {
  it('unschedule: back to draft, scheduled_at and published_at cleared, updated_at moves', async () => {
    const target = await campaignIn('draft');
    const scheduled = await overRest.schedule.call(target);
    expect(scheduled.status).toBe(200);
    const now = clock.advance(1_000);
    const response = await overRest.unschedule.call(target);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      status: 'draft',
      scheduled_at: null,
      published_at: null,
      cancelled_at: null,
      updated_at: now.toISOString(),
    });
    // A draft again in every respect: editable, and schedulable again.
    expect((await overRest.addStep.call(target)).status).toBe(201);
    expect((await overRest.schedule.call(target)).status).toBe(200);
  });

  it.each<CampaignStatus>(['draft', 'scheduled', 'sending'])(
    'cancel from %s: cancelled_at = updated_at = now',
    async (status) => {
      const target = await campaignIn(status);
      const now = clock.advance(1_000);
      const response = await overRest.cancel.call(target);
      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({
        status: 'cancelled',
        cancelled_at: now.toISOString(),
        updated_at: now.toISOString(),
      });
      const stored = await harness.server.db.campaign.findUniqueOrThrow({
        where: { id: target.campaign.id },
      });
      expect(stored.cancelledAt?.toISOString()).toBe(now.toISOString());
    },
  );

  it('the full happy path: draft → scheduled → (reschedule) → draft → scheduled → cancelled', async () => {
    const target = await campaignIn('draft');
    const statuses = [];
    for (const operation of ['schedule', 'schedule', 'unschedule', 'schedule', 'cancel'] as const) {
      clock.advance(1_000);
      const response = await overRest[operation].call(target);
      expect(response.status, response.text).toBe(200);
      statuses.push((response.body as Campaign).status);
    }
    expect(statuses).toEqual(['scheduled', 'scheduled', 'draft', 'scheduled', 'cancelled']);
    // cancelled is terminal
    for (const operation of OPERATIONS) expect((await overRest[operation].call(target)).status).toBe(412);
  });
});
