import { type SendWindow, WEEKDAYS, type Weekday } from '@campaigns/contract';

/** The send-window part of the campaign form; `enabled: false` sends `send_window: null`. */
export interface SendWindowValues {
  enabled: boolean;
  time_zone: string;
  days: Weekday[];
  start: string;
  end: string;
}

export const WEEKDAY_LABELS: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/** The browser's own zone: the picker's default, as the marketer most likely sends in it. */
export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

export const sendWindowValues = (window: SendWindow | null): SendWindowValues =>
  window
    ? { enabled: true, ...window, days: [...window.days] }
    : {
        enabled: false,
        time_zone: browserTimeZone(),
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        start: '09:00',
        end: '20:00',
      };

/** Days kept in the week's order, whatever order they were ticked in. */
export const toSendWindow = (values: SendWindowValues): SendWindow | null =>
  values.enabled
    ? {
        time_zone: values.time_zone,
        days: WEEKDAYS.filter((day) => values.days.includes(day)),
        start: values.start,
        end: values.end,
      }
    : null;

const SHORT = (day: Weekday) => WEEKDAY_LABELS[day].slice(0, 3);

/** "Mon–Fri, 09:00–20:00 (Europe/Berlin)"; consecutive days are joined into a range. */
export function describeSendWindow(window: SendWindow | null): string {
  if (!window) return 'Any time';
  const indexes = WEEKDAYS.map((day, index) => (window.days.includes(day) ? index : -1)).filter(
    (i) => i >= 0,
  );
  const runs: number[][] = [];
  for (const index of indexes) {
    const run = runs.at(-1);
    if (run && run.at(-1) === index - 1) run.push(index);
    else runs.push([index]);
  }
  const days =
    indexes.length === 7
      ? 'Every day'
      : runs
          .map((run) =>
            run.length > 2
              ? `${SHORT(WEEKDAYS[run[0]!]!)}–${SHORT(WEEKDAYS[run.at(-1)!]!)}`
              : run.map((i) => SHORT(WEEKDAYS[i]!)).join(', '),
          )
          .join(', ');
  return `${days}, ${window.start}–${window.end} (${window.time_zone})`;
}

let zones: string[] | undefined;
/** Every IANA zone this browser knows, for the picker. */
export function timeZones(): string[] {
  zones ??= Intl.supportedValuesOf('timeZone');
  return zones;
}
