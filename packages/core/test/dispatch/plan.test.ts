import { describe, expect, it } from 'vitest';
import { type PlanInput, type PlanStep, planFiring } from '../../src/dispatch/plan';

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
  sendWindow: null,
  steps: steps([0, 5, 0, 10]),
  now: at(0),
  maxLatenessMs: null,
  ...overrides,
});
const positions = (plan: ReturnType<typeof planFiring>) => plan.fire.map((f) => f.position);

describe('planFiring', () => {
  it('starts a due scheduled campaign and fires every zero-delay step due with it', () => {
    const plan = planFiring(input({ steps: steps([0, 0, 5]) }));
    expect(plan).toMatchObject({ status: 'sending', started: true, nextDueAt: at(5) });
    expect(positions(plan)).toEqual([0, 1]);
    expect(plan.fire[1]?.dueAt).toEqual(at(0));
  });

  it('stays scheduled until step 0 fires when step 0 has a delay', () => {
    const plan = planFiring(input({ steps: steps([30]) }));
    expect(plan).toEqual({ status: 'scheduled', started: false, fire: [], nextDueAt: at(30) });
    expect(planFiring(input({ steps: steps([30]), now: at(30) }))).toMatchObject({
      status: 'sent',
      started: true,
    });
  });

  it('stays scheduled until the send window opens, then fires at the opening', () => {
    // 2030-01-01 10:00Z is 11:00 in Berlin; the window opens at 14:00 (13:00Z).
    const sendWindow = { time_zone: 'Europe/Berlin', days: ['tue' as const], start: '14:00', end: '15:00' };
    const plan = planFiring(input({ sendWindow, steps: steps([0, 30, 60]) }));
    expect(plan).toEqual({ status: 'scheduled', started: false, fire: [], nextDueAt: at(180) });
    const opened = planFiring(input({ sendWindow, steps: steps([0, 30, 60]), now: at(180) }));
    expect(opened).toMatchObject({ status: 'sending', started: true, nextDueAt: at(210) });
    expect(opened.fire.map((f) => f.dueAt)).toEqual([at(180)]);
    // The third step (15:30 local) falls after the window: next Tuesday at 14:00.
    const week = 7 * 24 * 60;
    const late = planFiring(
      input({ sendWindow, status: 'sending', steps: steps([0, 30, 60], 2), now: at(211) }),
    );
    expect(late).toMatchObject({ status: 'sending', fire: [], nextDueAt: at(180 + week) });
  });

  it('keeps the planned times when the dispatcher is late: later steps are planned from the plan', () => {
    const sendWindow = { time_zone: 'Europe/Berlin', days: ['tue' as const], start: '14:00', end: '15:00' };
    const plan = planFiring(input({ sendWindow, steps: steps([0, 30]), now: at(200) }));
    expect(plan.fire.map((f) => f.dueAt)).toEqual([at(180)]);
    expect(plan.nextDueAt).toEqual(at(210));
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
