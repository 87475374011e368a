import { z } from 'zod';

/**
 * Send windows: local wall-clock hours on chosen days, in an IANA zone, outside which nothing fires.
 * The schema and the pure planner live here, in the contract, so that the dispatcher and the web app's
 * timeline compute the same planned times (docs/lifecycle.md, "Send windows").
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const START_TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const END_TIME = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
/** `Area/Location` names (and `UTC`): refuses the offset strings (`+01:00`) newer engines also accept. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

const knownZones = new Map<string, boolean>();

/** Whether this engine's time-zone database knows `zone` as an IANA name. */
export function isTimeZone(zone: string): boolean {
  let known = knownZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = ZONE_NAME.test(zone);
    } catch {
      known = false;
    }
    if (knownZones.size < 1000) knownZones.set(zone, known);
  }
  return known;
}

/** Minutes since local midnight of `HH:MM` (`24:00` is 1440). */
export const minutesOfDay = (time: string): number =>
  Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

const timeZone = z.string().max(64).meta({ description: 'IANA time zone', example: 'Europe/Berlin' });
const days = z
  .array(z.enum(WEEKDAYS))
  .min(1)
  .max(7)
  .meta({
    description: 'The days the window is open on, no repeats',
    example: ['mon', 'tue', 'wed', 'thu', 'fri'],
  });
const start = z.string().regex(START_TIME, 'Must be a time HH:MM from 00:00 to 23:59').meta({
  description: 'Local opening time, inclusive',
  example: '09:00',
});
const end = z.string().regex(END_TIME, 'Must be a time HH:MM from 00:01 to 24:00').meta({
  description: 'Local closing time, exclusive; later than `start` (a window does not cross midnight)',
  example: '20:00',
});

const SEND_WINDOW_DESCRIPTION =
  'Steps fire only inside this window: a planned time outside it moves to the next opening, in `time_zone`. ' +
  'A window opening that falls in a skipped daylight-saving hour opens at the first instant after it; a ' +
  'wall-clock time that occurs twice means its first occurrence.';
const SEND_WINDOW_EXAMPLE = {
  time_zone: 'Europe/Berlin',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  start: '09:00',
  end: '20:00',
};

/** As returned in a Campaign. */
export const SendWindowSchema = z
  .object({ time_zone: timeZone, days, start, end })
  .meta({ id: 'SendWindow', description: SEND_WINDOW_DESCRIPTION, example: SEND_WINDOW_EXAMPLE });
export type SendWindow = z.infer<typeof SendWindowSchema>;

/** As accepted on create and update: every rule, each failing on its own field's path. */
export const SendWindowInputSchema = z
  .strictObject({
    time_zone: timeZone.refine(isTimeZone, { message: 'Must be an IANA time zone, e.g. Europe/Berlin' }),
    days: days.refine((list) => new Set(list).size === list.length, { message: 'Must not repeat a day' }),
    start,
    end,
  })
  // Compared only when both times are well-formed: a malformed one is already its own field's issue.
  .refine(
    (window) =>
      !START_TIME.test(window.start) ||
      !END_TIME.test(window.end) ||
      minutesOfDay(window.start) < minutesOfDay(window.end),
    {
      path: ['end'],
      message: 'Must be later than start (a window does not cross midnight)',
    },
  )
  .meta({ id: 'SendWindowInput', description: SEND_WINDOW_DESCRIPTION, example: SEND_WINDOW_EXAMPLE });

// ---------------------------------------------------------------------------------------------------
// The planner: pure functions of instants, delays and the window; Intl supplies the zone's rules.

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

interface WallClock {
  /** Local calendar date as a UTC midnight, for day arithmetic. */
  dateMs: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** Minutes since local midnight, whole. */
  minute: number;
  /** The local wall-clock time read as if it were UTC, in ms (offset = this − instant). */
  naiveMs: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

function wallClock(instantMs: number, zone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(instantMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const dateMs = Date.UTC(parts.year!, parts.month! - 1, parts.day!);
  const subSecond = ((instantMs % 1000) + 1000) % 1000;
  const naiveMs = dateMs + ((parts.hour! * 60 + parts.minute!) * 60 + parts.second!) * 1000 + subSecond;
  return {
    dateMs,
    weekday: (new Date(dateMs).getUTCDay() + 6) % 7,
    minute: parts.hour! * 60 + parts.minute!,
    naiveMs,
  };
}

const offsetAt = (instantMs: number, zone: string): number => wallClock(instantMs, zone).naiveMs - instantMs;

/**
 * The instant a local wall-clock time names in `zone`: its first occurrence when it occurs twice (the
 * clocks went back), and the first instant after the gap when it never occurs (the clocks went forward).
 */
export function localTimeToInstant(dateMs: number, minute: number, zone: string): number {
  const naive = dateMs + minute * MINUTE_MS;
  const offsets = new Set([
    offsetAt(naive - DAY_MS, zone),
    offsetAt(naive, zone),
    offsetAt(naive + DAY_MS, zone),
  ]);
  const occurrences = [...offsets]
    .map((offset) => naive - offset)
    .filter((t) => offsetAt(t, zone) === naive - t);
  if (occurrences.length > 0) return Math.min(...occurrences);
  // In a gap: bisect for the transition, the first instant whose offset is the later one.
  let before = naive - Math.max(...offsets);
  let after = naive - Math.min(...offsets);
  const laterOffset = offsetAt(after, zone);
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (offsetAt(middle, zone) === laterOffset) after = middle;
    else before = middle;
  }
  return after;
}

export function isInWindow(instantMs: number, window: SendWindow): boolean {
  const wall = wallClock(instantMs, window.time_zone);
  return (
    window.days.includes(WEEKDAYS[wall.weekday]!) &&
    wall.minute >= minutesOfDay(window.start) &&
    wall.minute < minutesOfDay(window.end)
  );
}

/** `instant` if the window is open then, else the window's next opening after it. */
export function nextOpening(instant: Date, window: SendWindow | null): Date {
  const at = instant.getTime();
  if (window === null || isInWindow(at, window)) return instant;
  const today = wallClock(at, window.time_zone);
  const startMinute = minutesOfDay(window.start);
  // Two weeks: a day's whole window can fall into a skipped hour, so the next same weekday may be needed.
  for (let day = 0; day <= 14; day++) {
    if (!window.days.includes(WEEKDAYS[(today.weekday + day) % 7]!)) continue;
    const opening = localTimeToInstant(today.dateMs + day * DAY_MS, startMinute, window.time_zone);
    if (opening > at && isInWindow(opening, window)) return new Date(opening);
  }
  throw new Error(`send window ${JSON.stringify(window)} never opens`);
}

/**
 * Each step's planned send time: step 0 at `scheduled_at` plus its delay, step k at step k−1's planned
 * time plus its delay, each moved into the window. Fixed by the schedule, never by when a step fired.
 */
export function plannedTimes(
  scheduledAt: Date,
  delaysMinutes: readonly number[],
  window: SendWindow | null,
): Date[] {
  let previous = scheduledAt;
  return delaysMinutes.map((delay) => {
    previous = nextOpening(new Date(previous.getTime() + delay * MINUTE_MS), window);
    return previous;
  });
}
