import type { Campaign, CampaignStatus } from '@campaigns/contract';
import {
  API_MD_ALLOWED_FROM,
  CONTRACT_OPERATIONS,
  type ContractOperation,
} from '@campaigns/contract/testing';
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

// The campaign state machine on the wire, over REST and tRPC. The expected table is API.md's, written
// out in @campaigns/contract/testing independently of the code's table.

const clock = new TestClock();
const harness = useTestServer({ clock });

const HOUR = 3_600_000;
type Operation = ContractOperation;
const CONTRACT = API_MD_ALLOWED_FROM;
const OPERATIONS = CONTRACT_OPERATIONS;

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

// The wire for each operation: once allowed (its success status) and once refused (from cancelled, where
// nothing is allowed: 412 bad_state, nothing written), on both surfaces. Every status × operation, and the
// transitions' timestamps, are the rules suite's (packages/api/test/rules/state-machine.test.ts).
const wire = OPERATIONS.flatMap((operation) =>
  [CONTRACT[operation][0]!, 'cancelled' as const].map((status) => [operation, status] as const),
);

describe('over REST', () => {
  it.each(wire)('%s from %s', async (operation, status) => {
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
  it.each(wire)('%s from %s', async (operation, status) => {
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
