import type { Campaign, Step } from '@campaigns/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  campaignPath,
  createCampaign,
  draftWithSteps,
  range,
  stepPath,
  stepsPath,
  storedPositions,
  trpcFailure,
} from '../support/campaigns';
import type { RestResponse } from '../support/rest';
import { useTestServer } from '../support/use-test-server';

// API.md "Concurrency guarantees", proved by really racing many HTTP requests (REST and tRPC) against one
// campaign in real PostgreSQL, several rounds each.

const ROUNDS = 4;
const CONCURRENCY = 25;

const harness = useTestServer();

/**
 * An observer in this test's own database (not part of the schema): a deferred constraint trigger that,
 * at COMMIT of any transaction that inserted, moved or deleted a step, records the campaign's status
 * if it is not `draft`. With the campaign row locked for the whole transaction that status cannot change
 * under the writer; without the lock, a step committed after a concurrent schedule/cancel shows up here.
 */
const AUDIT = `
  CREATE TABLE race_step_audit (campaign_id text NOT NULL, op text NOT NULL, status text NOT NULL);
  CREATE FUNCTION race_audit_step_change() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    current_status text;
  BEGIN
    SELECT status::text INTO current_status FROM campaigns WHERE id = COALESCE(NEW.campaign_id, OLD.campaign_id);
    IF current_status IS DISTINCT FROM 'draft' AND current_status IS NOT NULL THEN
      INSERT INTO race_step_audit VALUES (COALESCE(NEW.campaign_id, OLD.campaign_id), TG_OP, current_status);
    END IF;
    RETURN NULL;
  END $$;
  CREATE CONSTRAINT TRIGGER race_audit_step_change AFTER INSERT OR UPDATE OR DELETE ON campaign_steps
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION race_audit_step_change();`;

beforeAll(async () => {
  for (const statement of AUDIT.split(/;\s*(?=CREATE)/)) await harness.server.db.$executeRawUnsafe(statement);
});

async function stepChangesOutsideDraft(campaignId: string) {
  return harness.server.db.$queryRaw<{ op: string; status: string }[]>`
    SELECT op, status FROM race_step_audit WHERE campaign_id = ${campaignId}`;
}

/** Fires all calls at once and waits for every one of them. */
const race = <T>(calls: (() => Promise<T>)[]): Promise<T[]> => Promise.all(calls.map((call) => call()));

/** The outcome of a tRPC call as `{status, body}`, so REST and tRPC answers can be checked alike. */
async function viaTrpc(call: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  try {
    return { status: 200, body: await call };
  } catch (error) {
    const data = await trpcFailure(Promise.reject(error));
    return { status: data.httpStatus, body: { error: data.error, details: data.details } };
  }
}

/** Removes (the first `split` calls) and moves alternated, so that both kinds are in flight together. */
function interleave<T>(calls: T[], split: number): T[] {
  const [a, b] = [calls.slice(0, split), calls.slice(split)];
  return range(Math.max(a.length, b.length)).flatMap((k) =>
    [a[k], b[k]].filter((c): c is T => c !== undefined),
  );
}

const addStepBody = (position: number, k: number) => ({
  position,
  template_id: `tpl_race_${k}`,
  template_version_id: 'v',
});

/** Half the calls go over REST, half through the tRPC client. */
function addStepCall(campaignId: string, position: number, k: number) {
  return k % 2 === 0
    ? () =>
        harness.rest<Step>('POST', stepsPath(campaignId), {
          token: harness.token,
          body: addStepBody(position, k),
        })
    : () =>
        viaTrpc(
          harness.server
            .client(harness.token)
            .campaigns.addStep.mutate({ id: campaignId, ...addStepBody(position, k) }),
        );
}

const isCreated = (response: { status: number }) => response.status === 201 || response.status === 200;
const stepIdOf = (response: { body: unknown }) => (response.body as Step).id;

it('the observer records a step change in a campaign that is not a draft', async () => {
  const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
  await harness.server.db.campaign.update({
    where: { id: campaign.id },
    data: { status: 'cancelled', cancelledAt: new Date() },
  });
  await harness.server.db.step.update({ where: { id: steps[0]!.id }, data: { delayMinutes: 1 } });
  expect(await stepChangesOutsideDraft(campaign.id)).toEqual([{ op: 'UPDATE', status: 'cancelled' }]);
});

describe('concurrent addStep', () => {
  it.each(range(ROUNDS))(
    `${CONCURRENCY} inserts at position 0 all succeed and leave exactly 0..N-1 (round %i)`,
    async () => {
      const campaign = await createCampaign(harness.rest, harness.token);
      const responses = await race(range(CONCURRENCY).map((k) => addStepCall(campaign.id, 0, k)));

      expect(responses.map((r) => r.status).filter((s) => !isCreated({ status: s }))).toEqual([]);
      expect(responses.every((r) => (r.body as Step).position === 0)).toBe(true);
      const stored = await harness.server.db.step.findMany({
        where: { campaignId: campaign.id },
        orderBy: { position: 'asc' },
      });
      expect(stored.map((s) => s.position)).toEqual(range(CONCURRENCY));
      expect(stored.map((s) => s.id).sort()).toEqual(responses.map(stepIdOf).sort());
    },
  );

  it.each(range(ROUNDS))(
    'inserts at mixed positions keep 0..N-1 and the existing steps in order (round %i)',
    async (round) => {
      const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 5);
      const responses = await race(
        range(CONCURRENCY).map((k) => addStepCall(campaign.id, (k * 7 + round) % 6, k)),
      );

      expect(responses.every(isCreated)).toBe(true);
      const stored = await harness.server.db.step.findMany({
        where: { campaignId: campaign.id },
        orderBy: { position: 'asc' },
      });
      expect(stored.map((s) => s.position)).toEqual(range(5 + CONCURRENCY));
      const original = steps.map((s) => s.id);
      expect(stored.map((s) => s.id).filter((id) => original.includes(id))).toEqual(original);
    },
  );
});

describe('concurrent moves and removes', () => {
  it.each(range(ROUNDS))(
    'never duplicate or skip a position; untouched steps keep their order (round %i)',
    async (round) => {
      const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 30);
      // Steps 0,3,6,… are removed; 1,4,7,… and 2,5 are moved to positions that stay valid after every removal.
      const removed = steps.filter((_, k) => k % 3 === 0).map((s) => s.id);
      const movedSteps = steps.filter((_, k) => k % 3 === 1 || k === 2 || k === 5).map((s) => s.id);
      const untouched = steps
        .map((s) => s.id)
        .filter((id) => !removed.includes(id) && !movedSteps.includes(id));
      const minCount = steps.length - removed.length;

      const calls = [
        ...removed.map((id, k) =>
          k % 2 === 0
            ? () => harness.rest('DELETE', stepPath(campaign.id, id), { token: harness.token })
            : () =>
                viaTrpc(
                  harness.server
                    .client(harness.token)
                    .campaigns.removeStep.mutate({ id: campaign.id, step_id: id }),
                ),
        ),
        ...movedSteps.map((id, k) => {
          const position = (k * 5 + round) % minCount;
          return k % 2 === 0
            ? () =>
                harness.rest('PATCH', stepPath(campaign.id, id), { token: harness.token, body: { position } })
            : () =>
                viaTrpc(
                  harness.server
                    .client(harness.token)
                    .campaigns.updateStep.mutate({ id: campaign.id, step_id: id, position }),
                );
        }),
      ];
      const responses = await race(interleave(calls, removed.length));

      expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
      const stored = await harness.server.db.step.findMany({
        where: { campaignId: campaign.id },
        orderBy: { position: 'asc' },
      });
      expect(stored.map((s) => s.position)).toEqual(range(minCount));
      expect(stored.map((s) => s.id).sort()).toEqual([...untouched, ...movedSteps].sort());
      expect(stored.map((s) => s.id).filter((id) => untouched.includes(id))).toEqual(untouched);
    },
  );

  it.each(range(ROUNDS))(
    'moves racing removes of the same steps: 200, 404 or 412, never a gap (round %i)',
    async (round) => {
      const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 12);
      const calls = steps.flatMap((step, k) => [
        () => harness.rest('DELETE', stepPath(campaign.id, step.id), { token: harness.token }),
        () =>
          harness.rest('PATCH', stepPath(campaign.id, step.id), {
            token: harness.token,
            body: { position: (k + round) % 12 },
          }),
      ]);
      const responses: RestResponse[] = await race(calls);

      for (const response of responses) {
        expect([200, 404, 412], response.text).toContain(response.status);
        if (response.status === 412) {
          expect(response.body).toMatchObject({ details: { reason: 'position_out_of_range' } });
        }
      }
      const deleted = responses.filter((r, k) => k % 2 === 0 && r.status === 200).length;
      expect(await storedPositions(harness.server.db, campaign.id)).toEqual(range(12 - deleted));
    },
  );
});

describe('steps never change once the campaign left draft', () => {
  it.each(range(ROUNDS))('addStep racing schedule (round %i)', async (round) => {
    const { campaign } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
    const scheduleAt = Math.floor(CONCURRENCY / 2) + round - 2;
    const calls: (() => Promise<{ status: number; body: unknown }>)[] = range(CONCURRENCY - 1).map((k) =>
      addStepCall(campaign.id, 0, k),
    );
    calls.splice(scheduleAt, 0, () =>
      harness.rest('POST', `${campaignPath(campaign.id)}/schedule`, {
        token: harness.token,
        body: { scheduled_at: new Date(Date.now() + 3_600_000).toISOString() },
      }),
    );
    const responses = await race(calls);

    const [scheduled] = responses.splice(scheduleAt, 1);
    expect(scheduled?.status).toBe(200);
    const added = responses.filter(isCreated);
    for (const response of responses.filter((r) => !isCreated(r))) {
      expect(response.status).toBe(412);
      expect(response.body).toMatchObject({
        error: 'bad_state',
        details: { reason: 'invalid_status', status: 'scheduled' },
      });
    }
    expect(await storedPositions(harness.server.db, campaign.id)).toEqual(range(1 + added.length));
    expect((await harness.server.db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).status).toBe(
      'scheduled',
    );
    expect(await stepChangesOutsideDraft(campaign.id)).toEqual([]);
  });

  it.each(range(ROUNDS))('moves, removes and inserts racing cancel (round %i)', async (round) => {
    const { campaign, steps } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 16);
    const calls: (() => Promise<RestResponse>)[] = [
      ...steps
        .slice(0, 8)
        .map(
          (step) => () => harness.rest('DELETE', stepPath(campaign.id, step.id), { token: harness.token }),
        ),
      ...steps.slice(8).map(
        (step, k) => () =>
          harness.rest('PATCH', stepPath(campaign.id, step.id), {
            token: harness.token,
            body: { position: k % 8 },
          }),
      ),
      ...range(8).map(
        (k) => () =>
          harness.rest('POST', stepsPath(campaign.id), { token: harness.token, body: addStepBody(0, k) }),
      ),
    ];
    calls.splice(10 + round, 0, () =>
      harness.rest('POST', `${campaignPath(campaign.id)}/cancel`, { token: harness.token }),
    );
    const responses = await race(calls);

    const cancelled = responses.splice(10 + round, 1)[0];
    expect(cancelled?.status).toBe(200);
    for (const response of responses) {
      if (response.status === 412) {
        expect(response.body).toMatchObject({ details: { reason: 'invalid_status', status: 'cancelled' } });
      } else {
        expect([200, 201], response.text).toContain(response.status);
      }
    }
    const positions = await storedPositions(harness.server.db, campaign.id);
    expect(positions).toEqual(range(positions.length));
    expect(await stepChangesOutsideDraft(campaign.id)).toEqual([]);
  });
});

describe('concurrent schedule / unschedule / cancel', () => {
  type Op = 'schedule' | 'unschedule' | 'cancel';
  const call = (campaignId: string, op: Op, k: number) => {
    const body =
      op === 'schedule'
        ? { scheduled_at: new Date(Date.now() + (k + 1) * 3_600_000).toISOString() }
        : undefined;
    if (k % 2 === 0)
      return () =>
        harness.rest<Campaign>('POST', `${campaignPath(campaignId)}/${op}`, { token: harness.token, body });
    const client = harness.server.client(harness.token).campaigns;
    return () =>
      viaTrpc(
        op === 'schedule'
          ? client.schedule.mutate({ id: campaignId, scheduled_at: body?.scheduled_at ?? '' })
          : client[op].mutate({ id: campaignId }),
      );
  };

  async function expectConsistent(campaignId: string) {
    const row = await harness.server.db.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(row.status === 'cancelled').toBe(row.cancelledAt !== null);
    if (row.status === 'scheduled') {
      expect(row.scheduledAt).not.toBeNull();
      expect(row.publishedAt).not.toBeNull();
    }
    if (row.status === 'draft') expect([row.scheduledAt, row.publishedAt]).toEqual([null, null]);
    return row;
  }

  it.each(range(ROUNDS))(
    'with cancels: exactly one cancel wins and the campaign ends cancelled (round %i)',
    async (round) => {
      const { campaign } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
      const ops: Op[] = range(CONCURRENCY).map((k) =>
        k % 8 === round ? 'cancel' : k % 2 === 0 ? 'schedule' : 'unschedule',
      );
      const responses = await race(ops.map((op, k) => call(campaign.id, op, k)));

      for (const response of responses) {
        expect([200, 412], JSON.stringify(response.body)).toContain(response.status);
        if (response.status === 412)
          expect(response.body).toMatchObject({ details: { reason: 'invalid_status' } });
      }
      const cancels = responses.filter((r, k) => ops[k] === 'cancel' && r.status === 200);
      expect(cancels).toHaveLength(1);
      const row = await expectConsistent(campaign.id);
      expect(row.status).toBe('cancelled');
      expect(row.cancelledAt?.toISOString()).toBe((cancels[0]!.body as Campaign).cancelled_at);
    },
  );

  it.each(range(ROUNDS))(
    'schedule vs unschedule: one consistent state that matches the last success (round %i)',
    async () => {
      const { campaign } = await draftWithSteps(harness.server.db, harness.rest, harness.token, 1);
      const ops: Op[] = range(CONCURRENCY).map((k) => (k % 3 === 0 ? 'unschedule' : 'schedule'));
      const responses = await race(ops.map((op, k) => call(campaign.id, op, k)));

      // Schedule is allowed from draft and from scheduled: every schedule succeeds.
      expect(responses.filter((_, k) => ops[k] === 'schedule').every((r) => r.status === 200)).toBe(true);
      for (const response of responses.filter((r, k) => ops[k] === 'unschedule' && r.status !== 200)) {
        expect(response.status).toBe(412);
        expect(response.body).toMatchObject({ details: { reason: 'invalid_status', status: 'draft' } });
      }
      const row = await expectConsistent(campaign.id);
      // The stored state is what one of the successful calls answered.
      const answers = responses.filter((r) => r.status === 200).map((r) => r.body as Campaign);
      const stored = { status: row.status, scheduled_at: row.scheduledAt?.toISOString() ?? null };
      expect(answers.map((a) => ({ status: a.status, scheduled_at: a.scheduled_at }))).toContainEqual(stored);
    },
  );
});
