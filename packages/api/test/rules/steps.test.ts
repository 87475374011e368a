import type { Step } from '@campaigns/contract';
import type { Clock } from '@campaigns/core';
import { insertSteps, snapshot, storedPositions } from '@campaigns/db/testing';
import { describe, expect, it } from 'vitest';
import { failure, useRules } from './support';

// Step order through the router (API.md addStep, updateStep, removeStep): positions are always 0..n-1,
// inserts and moves shift the others, out-of-range positions and the 100-step limit are refused with
// nothing written. The HTTP suites keep the answers' statuses and bodies.

let now = new Date();
const clock: Clock = { now: () => new Date(now) };
const rules = useRules(clock);

type Api = Awaited<ReturnType<typeof rules.callerAs>>['api'];
const VALID = { template_id: 'tpl_new', template_version_id: 'tplv_new' };
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const ids = (steps: Step[]) => steps.map((step) => step.id);

/** A draft with `n` steps (step k has template_id `tpl_k`), as the router lists them. */
async function draftWithSteps(n: number): Promise<{ api: Api; id: string; steps: Step[] }> {
  const { api } = await rules.callerAs();
  const campaign = await api.campaigns.create({ name: `With ${n}`, segment_id: 'seg_1' });
  await insertSteps(rules.db, campaign.id, n, new Date(campaign.created_at));
  return { api, id: campaign.id, steps: (await api.campaigns.listSteps({ id: campaign.id })).items };
}

const listed = async (api: Api, id: string) => (await api.campaigns.listSteps({ id })).items;

/** `items` with the element at `from` moved to `to`: what a move must produce. */
function moved<T>(items: T[], from: number, to: number): T[] {
  const copy = [...items];
  const [item] = copy.splice(from, 1);
  if (item === undefined) throw new Error(`nothing at ${from}`);
  copy.splice(to, 0, item);
  return copy;
}

describe('addStep', () => {
  it.each([
    [3, 3, ['tpl_0', 'tpl_1', 'tpl_2', 'tpl_new']],
    [3, 0, ['tpl_new', 'tpl_0', 'tpl_1', 'tpl_2']],
    [4, 2, ['tpl_0', 'tpl_1', 'tpl_new', 'tpl_2', 'tpl_3']],
  ])('into %i steps at %i: the steps at and after it move down', async (n, position, order) => {
    const { api, id, steps } = await draftWithSteps(n);
    expect((await api.campaigns.addStep({ id, position, ...VALID })).position).toBe(position);
    const after = await listed(api, id);
    expect(after.map((step) => step.template_id)).toEqual(order);
    expect(after.map((step) => step.position)).toEqual(range(n + 1));
    expect(ids(after.filter((step) => step.template_id !== 'tpl_new'))).toEqual(ids(steps));
  });

  it("moves the campaign's updated_at", async () => {
    const { api, id } = await draftWithSteps(0);
    now = new Date(now.getTime() + 1_000);
    await api.campaigns.addStep({ id, position: 0, ...VALID });
    expect((await api.campaigns.get({ id })).updated_at).toBe(now.toISOString());
  });

  it.each([
    [0, 1],
    [3, 4],
    [3, 100],
  ])('with %i steps, position %i is position_out_of_range with max_position = n', async (n, position) => {
    const { api, id } = await draftWithSteps(n);
    const before = await snapshot(rules.db, id);
    expect(await failure(api.campaigns.addStep({ id, position, ...VALID }))).toEqual({
      code: 'bad_state',
      details: { reason: 'position_out_of_range', max_position: n },
    });
    expect(await snapshot(rules.db, id)).toEqual(before);
  });

  it('allows 100 steps and refuses the 101st with step_limit_reached, limit 100', async () => {
    const { api, id } = await draftWithSteps(99);
    await api.campaigns.addStep({ id, position: 99, ...VALID });
    const before = await snapshot(rules.db, id);
    for (const position of [0, 100]) {
      expect(await failure(api.campaigns.addStep({ id, position, ...VALID }))).toEqual({
        code: 'bad_state',
        details: { reason: 'step_limit_reached', limit: 100 },
      });
    }
    expect(await snapshot(rules.db, id)).toEqual(before);
    expect(await storedPositions(rules.db, id)).toEqual(range(100));
  });
});

describe('updateStep: moving', () => {
  const N = 5;
  const cases = range(N).flatMap((from) => range(N).map((to) => [from, to] as const));

  it.each(cases)('moves %i → %i: positions stay 0..n-1, the others keep their order', async (from, to) => {
    const { api, id, steps } = await draftWithSteps(N);
    expect(await api.campaigns.updateStep({ id, step_id: steps[from]!.id, position: to })).toEqual({
      ...steps[from],
      position: to,
    });
    const after = await listed(api, id);
    expect(ids(after)).toEqual(moved(ids(steps), from, to));
    expect(after.map((step) => step.position)).toEqual(range(N));
  });

  it.each([
    [3, 3],
    [3, 50],
    [1, 1],
  ])('with %i steps, position %i is position_out_of_range with max_position = n-1', async (n, to) => {
    const { api, id, steps } = await draftWithSteps(n);
    const before = await snapshot(rules.db, id);
    const move = api.campaigns.updateStep({
      id,
      step_id: steps[0]!.id,
      position: to,
      template_id: 'tpl_changed',
    });
    expect(await failure(move)).toEqual({
      code: 'bad_state',
      details: { reason: 'position_out_of_range', max_position: n - 1 },
    });
    expect(await snapshot(rules.db, id)).toEqual(before);
  });
});

describe('removeStep', () => {
  it.each([0, 2, 4])('removes the step at %i of 5: later steps move up; returns the rest', async (at) => {
    const { api, id, steps } = await draftWithSteps(5);
    const remaining = steps.filter((_, k) => k !== at).map((step, k) => ({ ...step, position: k }));
    expect(await api.campaigns.removeStep({ id, step_id: steps[at]!.id })).toEqual({ items: remaining });
    expect(await listed(api, id)).toEqual(remaining);
  });
});

it('keeps the order right over a long random sequence of inserts, moves and removes', async () => {
  const { api, id } = await draftWithSteps(0);
  let model: string[] = [];
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 60; i++) {
    const op = model.length < 3 ? 0 : random(3);
    if (op === 0) {
      const position = random(model.length + 1);
      const step = await api.campaigns.addStep({
        id,
        position,
        template_id: `t${i}`,
        template_version_id: 'v',
      });
      model.splice(position, 0, step.id);
    } else if (op === 1) {
      const from = random(model.length);
      const to = random(model.length);
      await api.campaigns.updateStep({ id, step_id: model[from]!, position: to });
      model = moved(model, from, to);
    } else {
      const at = random(model.length);
      const { items } = await api.campaigns.removeStep({ id, step_id: model[at]! });
      model.splice(at, 1);
      expect(ids(items)).toEqual(model);
    }
  }
  const after = await listed(api, id);
  expect(ids(after)).toEqual(model);
  expect(after.map((step) => step.position)).toEqual(range(model.length));
});
