/**
 * The schedule picker is an `<input type="datetime-local">`: it gives wall-clock time without a zone. These
 * helpers read it in the browser's time zone and send an RFC 3339 instant with that zone's offset, so what the
 * marketer picked is exactly the instant the server gets.
 */

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$/;

export type LocalInstant =
  | { ok: true; instant: string }
  | { ok: false; reason: 'empty' | 'invalid' | 'nonexistent' };

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `+02:00` for a zone two hours east of UTC; RFC 3339 writes UTC itself as `Z`. */
export function formatOffset(minutesEastOfUtc: number): string {
  if (minutesEastOfUtc === 0) return 'Z';
  const sign = minutesEastOfUtc > 0 ? '+' : '-';
  const minutes = Math.abs(minutesEastOfUtc);
  return `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** The instant in RFC 3339 in the browser's zone, e.g. `2026-11-23T10:00:00+01:00`. */
export function toLocalRfc3339(date: Date): string {
  const day = `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${day}T${time}${formatOffset(-date.getTimezoneOffset())}`;
}

/** A datetime-local value, read in the browser's time zone, as an RFC 3339 instant. */
export function localInputToInstant(value: string): LocalInstant {
  if (value.trim() === '') return { ok: false, reason: 'empty' };
  const match = LOCAL_INPUT.exec(value.trim());
  if (!match) return { ok: false, reason: 'invalid' };
  const part = (index: number) => Number(match[index] ?? 0);
  const [year, month, day, hour, minute, second] = [part(1), part(2), part(3), part(4), part(5), part(6)];
  const date = new Date(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(date.getTime())) return { ok: false, reason: 'invalid' };
  // Date rolls impossible values over (Feb 31 → Mar 3) and skips clock-change gaps (02:30 on a spring-forward
  // night → 03:30). Either way the marketer would get another time than the one picked, so say so instead.
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day)
    return { ok: false, reason: 'invalid' };
  if (date.getHours() !== hour || date.getMinutes() !== minute) return { ok: false, reason: 'nonexistent' };
  return { ok: true, instant: toLocalRfc3339(date) };
}

/** An instant from the API as a datetime-local value in the browser's zone (to prefill the picker). */
export function instantToLocalInput(instant: string): string {
  const date = new Date(instant);
  return `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The marketer's time zone, e.g. `Europe/Berlin (UTC+01:00)`. */
export function timeZoneLabel(at: Date = new Date()): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offset = formatOffset(-at.getTimezoneOffset());
  return `${zone} (UTC${offset === 'Z' ? '' : offset})`;
}

const PARTS = {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
} as const;
const formats = {
  zoned: new Intl.DateTimeFormat(undefined, { ...PARTS, timeZoneName: 'short' }),
  zonedSeconds: new Intl.DateTimeFormat(undefined, { ...PARTS, second: '2-digit', timeZoneName: 'short' }),
  plain: new Intl.DateTimeFormat(undefined, PARTS),
  plainSeconds: new Intl.DateTimeFormat(undefined, { ...PARTS, second: '2-digit' }),
};

/**
 * An instant from the API, shown in the marketer's own time zone, the zone named (e.g. `CEST`); with
 * seconds where they matter. `zone: false` where the zone is named next to it already.
 */
export function formatInstant(instant: string, options: { seconds?: boolean; zone?: boolean } = {}): string {
  const zone = options.zone ?? true;
  const format = options.seconds
    ? zone
      ? formats.zonedSeconds
      : formats.plainSeconds
    : zone
      ? formats.zoned
      : formats.plain;
  return format.format(new Date(instant));
}
