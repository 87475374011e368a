import { type CampaignStatus, plannedTimes, type SendWindow } from '@campaigns/contract';
import { assertAllowed, isAllowed } from '../domain/lifecycle';

/**
 * What firing a claimed campaign means at a given instant, as a pure function of its state: no I/O,
 * so every rule (due times, start, finish, lateness) is testable without a database or a clock.
 */

export interface PlanStep {
  id: string;
  position: number;
  delayMinutes: number;
  /** A delivery exists for this step. */
  fired: boolean;
}

export interface PlanInput {
  status: CampaignStatus;
  scheduledAt: Date | null;
  sendWindow: SendWindow | null;
  /** Ordered by position. */
  steps: readonly PlanStep[];
  now: Date;
  /** Give up on (cancel) a campaign whose next step is later than this; null: always send. */
  maxLatenessMs: number | null;
}

export interface DueStep {
  stepId: string;
  position: number;
  dueAt: Date;
}

export interface FiringPlan {
  /** The status after this firing. */
  status: CampaignStatus;
  /** scheduled → sending happens now. */
  started: boolean;
  /** Steps to record now, in order. */
  fire: DueStep[];
  /** When the dispatcher must look at the campaign again; null: never (sent, cancelled, not ours). */
  nextDueAt: Date | null;
  /** Set when the campaign is cancelled because it was found too late. */
  tooLate?: { latenessMs: number; maxLatenessMs: number };
}

export function planFiring(input: PlanInput): FiringPlan {
  const { now, steps } = input;
  const idle = (nextDueAt: Date | null): FiringPlan => ({
    status: input.status,
    started: false,
    fire: [],
    nextDueAt,
  });

  const scheduled = isAllowed('startSending', input.status);
  const sending = isAllowed('finishSending', input.status);
  // Draft, sent or cancelled with a stale next_due_at (the CHECK campaigns_due_iff_active refuses it): forget it.
  if ((!scheduled && !sending) || input.scheduledAt === null) return idle(null);
  // Not yet (e.g. another process's clock ran ahead when it computed next_due_at).
  if (scheduled && input.scheduledAt > now) return idle(input.scheduledAt);

  // The planned times (@campaigns/contract send-window.ts): fixed by the schedule and the window, never
  // by when a step actually fired.
  const due = plannedTimes(
    input.scheduledAt,
    steps.map((s) => s.delayMinutes),
    input.sendWindow,
  );
  const next = steps.findIndex((s) => !s.fired);
  if (next !== -1 && steps.slice(next).some((s) => s.fired)) {
    // Impossible while steps fire in order; refuse rather than fire around a hole.
    throw new Error('fired steps are not a prefix of the campaign’s steps');
  }

  const nextDue = next === -1 ? undefined : due[next]!;
  const latenessMs = nextDue === undefined ? 0 : now.getTime() - nextDue.getTime();
  if (input.maxLatenessMs !== null && latenessMs > input.maxLatenessMs) {
    // Cancelled from where it stands: a scheduled campaign found this late never starts.
    assertAllowed('cancel', input.status);
    const tooLate = { latenessMs, maxLatenessMs: input.maxLatenessMs };
    return { status: 'cancelled', started: false, fire: [], nextDueAt: null, tooLate };
  }

  // A scheduled campaign stays scheduled until its first step fires (step 0 may be planned later than
  // scheduled_at: a delay, or a send window that is closed).
  if (nextDue !== undefined && nextDue > now) return idle(nextDue);

  let status = input.status;
  if (scheduled) {
    assertAllowed('startSending', status);
    status = 'sending';
  }
  const started = scheduled;
  const finish = (fire: DueStep[]): FiringPlan => {
    assertAllowed('finishSending', status);
    return { status: 'sent', started, fire, nextDueAt: null };
  };
  if (nextDue === undefined) return finish([]);

  // Everything due by now fires in this one transaction; due times only grow, so it is a prefix.
  const fire: DueStep[] = [];
  let k = next;
  for (; k < steps.length && due[k]! <= now; k++) {
    fire.push({ stepId: steps[k]!.id, position: steps[k]!.position, dueAt: due[k]! });
  }
  return k === steps.length ? finish(fire) : { status, started, fire, nextDueAt: due[k]! };
}
