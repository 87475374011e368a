import type { Clock } from '@campaigns/core';

/**
 * Time that moves only when a test says so: timestamps become exact, "now" can be hit to the
 * millisecond, and delays of minutes pass instantly. No vitest imports: bench/dispatch.ts uses it too.
 */
export class TestClock implements Clock {
  /** Runs once, on the next call of now(): a hook into the middle of a service's transaction. */
  onNextNow: (() => void) | undefined;

  constructor(private ms: number = Math.floor(Date.now() / 1000) * 1000) {}

  now(): Date {
    const hook = this.onNextNow;
    this.onNextNow = undefined;
    hook?.();
    return new Date(this.ms);
  }

  set(instant: Date | string): void {
    this.ms = new Date(instant).getTime();
  }

  advance(ms: number): Date {
    this.ms += ms;
    return new Date(this.ms);
  }
}
