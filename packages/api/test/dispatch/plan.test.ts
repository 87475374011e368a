import { describe, expect, it } from 'vitest';
import { dueTimes, type PlanInput, type PlanStep, planFiring } from '../../src/dispatch/plan';

const T0 = Date.parse('2030-01-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const steps = (delays: number[], fired = 0): PlanStep[] =>
  delays.map((delayMinutes, position) => ({
    id: `s${position}`,
    position,
    delayMinutes,
    fired: position < fired,
  }));
const input = (overrides: Partial<PlanInput>): PlanInput => ({
  status: 'scheduled',
  scheduledAt: at(0),
  steps: steps([0, 5, 0, 10]),
  now: at(0),
  maxLatenessMs: null,
  ...overrides,
});
const positions = (plan: ReturnType<typeof planFiring>) => plan.fire.map((f) => f.position);

describe('dueTimes', () => {
  it('adds the delays cumulatively from scheduled_at', () => {
    expect(dueTimes(at(0), [0, 5, 0, 10])).toEqual([at(0), at(5), at(5), at(15)]);
  });
});

describe('planFiring', () => {
  it('starts a due scheduled campaign and fires every zero-delay step due with it', () => {
    const plan = planFiring(input({ steps: steps([0, 0, 5]) }));
    expect(plan).toMatchObject({ status: 'sending', started: true, nextDueAt: at(5) });
    expect(positions(plan)).toEqual([0, 1]);
    expect(plan.fire[1]?.dueAt).toEqual(at(0));
  });

  it('starts sending at scheduled_at even when step 0 has a delay', () => {
    const plan = planFiring(input({ steps: steps([30]) }));
    expect(plan).toEqual({ status: 'sending', started: true, fire: [], nextDueAt: at(30) });
  });

  it('leaves a campaign alone before its time', () => {
    const plan = planFiring(input({ now: at(-1) }));
    expect(plan).toEqual({ status: 'scheduled', started: false, fire: [], nextDueAt: at(0) });
  });

  it('fires the next unfired steps that are due, and says when to come back', () => {
    const plan = planFiring(input({ status: 'sending', steps: steps([0, 5, 0, 10], 1), now: at(7) }));
    expect(plan).toMatchObject({ status: 'sending', started: false, nextDueAt: at(15) });
    expect(positions(plan)).toEqual([1, 2]);
  });

  it('finishes with the last step', () => {
    const plan = planFiring(input({ status: 'sending', steps: steps([0, 5, 0, 10], 3), now: at(15) }));
    expect(plan).toMatchObject({ status: 'sent', nextDueAt: null });
    expect(positions(plan)).toEqual([3]);
  });

  it('fires everything at once when found late, keeping the scheduled due times', () => {
    const plan = planFiring(input({ now: at(60) }));
    expect(plan).toMatchObject({ status: 'sent', started: true, nextDueAt: null });
    expect(plan.fire.map((f) => f.dueAt)).toEqual([at(0), at(5), at(5), at(15)]);
  });

  it('cancels instead when the next step is overdue by more than the maximum lateness', () => {
    const plan = planFiring(input({ now: at(10), maxLatenessMs: 5 * 60_000 }));
    expect(plan).toEqual({
      status: 'cancelled',
      started: false,
      fire: [],
      nextDueAt: null,
      tooLate: { latenessMs: 10 * 60_000, maxLatenessMs: 5 * 60_000 },
    });
    expect(planFiring(input({ now: at(5), maxLatenessMs: 5 * 60_000 })).status).toBe('sending');
  });

  it('drops a stale due time of a campaign that is not scheduled or sending', () => {
    for (const status of ['draft', 'sent', 'cancelled'] as const) {
      expect(planFiring(input({ status }))).toEqual({ status, started: false, fire: [], nextDueAt: null });
    }
  });

  it('refuses to fire around a hole in the fired steps', () => {
    const holed = steps([0, 0, 0]).map((s) => ({ ...s, fired: s.position === 1 }));
    expect(() => planFiring(input({ status: 'sending', steps: holed }))).toThrow(/prefix/);
  });
});
