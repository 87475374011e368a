import { describe, expect, it } from 'vitest';
import {
  isInWindow,
  nextOpening,
  plannedTimes,
  type SendWindow,
  SendWindowInputSchema,
} from '../src/send-window';

const utc = (iso: string) => new Date(iso);
const window = (overrides: Partial<SendWindow> = {}): SendWindow => ({
  time_zone: 'Europe/Berlin',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  start: '09:00',
  end: '17:00',
  ...overrides,
});
const EVERY_DAY: SendWindow['days'] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

describe('nextOpening', () => {
  it('leaves an instant inside the window alone, and any instant when there is no window', () => {
    // Thursday 2027-01-14, 10:00 in Berlin (CET, UTC+1).
    expect(nextOpening(utc('2027-01-14T09:00:00Z'), window())).toEqual(utc('2027-01-14T09:00:00Z'));
    expect(nextOpening(utc('2027-01-14T03:00:00Z'), null)).toEqual(utc('2027-01-14T03:00:00Z'));
  });

  it('moves an instant before the opening to that day’s opening, in the window’s zone', () => {
    expect(nextOpening(utc('2027-01-14T06:00:00Z'), window())).toEqual(utc('2027-01-14T08:00:00Z'));
    const newYork = window({ time_zone: 'America/New_York' });
    expect(nextOpening(utc('2027-01-14T06:00:00Z'), newYork)).toEqual(utc('2027-01-14T14:00:00Z'));
  });

  it('treats the end as exclusive and skips days the window is closed on', () => {
    // Friday 16:59:59.999 is inside; 17:00 is not, and the next opening is Monday 09:00.
    expect(nextOpening(utc('2027-01-15T15:59:59.999Z'), window())).toEqual(utc('2027-01-15T15:59:59.999Z'));
    expect(nextOpening(utc('2027-01-15T16:00:00Z'), window())).toEqual(utc('2027-01-18T08:00:00Z'));
    // Saturdays only: from a Monday, the next Saturday.
    expect(nextOpening(utc('2027-01-18T10:00:00Z'), window({ days: ['sat'] }))).toEqual(
      utc('2027-01-23T08:00:00Z'),
    );
  });

  it('accepts a window up to midnight (end 24:00)', () => {
    const lateNight = window({ days: EVERY_DAY, start: '22:00', end: '24:00' });
    expect(isInWindow(utc('2027-01-14T22:59:59Z').getTime(), lateNight)).toBe(true);
    expect(nextOpening(utc('2027-01-14T23:00:00Z'), lateNight)).toEqual(utc('2027-01-15T21:00:00Z'));
  });

  describe('across daylight-saving changes', () => {
    it('Europe/Berlin spring: an opening inside the skipped hour opens at the first instant after it', () => {
      // 2027-03-28 02:00 CET jumps to 03:00 CEST (01:00Z); 02:30 does not exist that night.
      const w = window({ days: EVERY_DAY, start: '02:30', end: '05:00' });
      expect(nextOpening(utc('2027-03-27T23:00:00Z'), w)).toEqual(utc('2027-03-28T01:00:00Z'));
      // The next night 02:30 exists again (CEST, UTC+2).
      expect(nextOpening(utc('2027-03-28T04:00:00Z'), w)).toEqual(utc('2027-03-29T00:30:00Z'));
    });

    it('America/New_York spring: a window wholly inside the skipped hour opens the next day', () => {
      // 2027-03-14 02:00 EST jumps to 03:00 EDT (07:00Z): 02:00–02:45 never happens that day.
      const w = window({ time_zone: 'America/New_York', days: EVERY_DAY, start: '02:00', end: '02:45' });
      expect(nextOpening(utc('2027-03-14T05:00:00Z'), w)).toEqual(utc('2027-03-15T06:00:00Z'));
    });

    it('Europe/Berlin autumn: a wall-clock time that occurs twice means its first occurrence', () => {
      // 2027-10-31 03:00 CEST goes back to 02:00 CET (01:00Z): 02:30 happens at 00:30Z and at 01:30Z.
      const w = window({ days: EVERY_DAY, start: '02:30', end: '04:00' });
      expect(nextOpening(utc('2027-10-31T00:00:00Z'), w)).toEqual(utc('2027-10-31T00:30:00Z'));
      // Inside the repeated hour's second pass, 02:40 CET is inside the window: left alone.
      expect(nextOpening(utc('2027-10-31T01:40:00Z'), w)).toEqual(utc('2027-10-31T01:40:00Z'));
    });

    it('America/New_York autumn: the first 01:30 of the night', () => {
      // 2027-11-07 02:00 EDT goes back to 01:00 EST (06:00Z): 01:30 is 05:30Z (EDT) and 06:30Z (EST).
      const w = window({ time_zone: 'America/New_York', days: EVERY_DAY, start: '01:30', end: '09:00' });
      expect(nextOpening(utc('2027-11-07T05:00:00Z'), w)).toEqual(utc('2027-11-07T05:30:00Z'));
      // Monday 09:00 the week after is EST (UTC−5).
      expect(nextOpening(utc('2027-11-07T14:00:00Z'), w)).toEqual(utc('2027-11-08T06:30:00Z'));
    });
  });
});

describe('plannedTimes', () => {
  it('without a window, adds the delays cumulatively from scheduled_at', () => {
    const at = (minutes: number) => new Date(Date.parse('2030-01-01T10:00:00Z') + minutes * 60_000);
    expect(plannedTimes(at(0), [0, 5, 0, 10], null)).toEqual([at(0), at(5), at(5), at(15)]);
  });

  it('plans each step from the previous step’s planned time, moved into the window, across nights', () => {
    // Thursday 16:00 Berlin; every step waits 8 hours after the previous step's planned time.
    const planned = plannedTimes(utc('2027-01-14T15:00:00Z'), [0, 480, 480, 480], window());
    expect(planned).toEqual([
      utc('2027-01-14T15:00:00Z'), // Thu 16:00
      utc('2027-01-15T08:00:00Z'), // Fri 00:00 → Fri 09:00
      utc('2027-01-18T08:00:00Z'), // Fri 17:00 (closed) → Mon 09:00
      utc('2027-01-19T08:00:00Z'), // Mon 17:00 → Tue 09:00
    ]);
  });

  it('moves step 0 too: scheduled at night, the first step goes at the opening', () => {
    expect(plannedTimes(utc('2027-01-14T02:00:00Z'), [0, 30], window())).toEqual([
      utc('2027-01-14T08:00:00Z'),
      utc('2027-01-14T08:30:00Z'),
    ]);
  });
});

describe('SendWindowInputSchema', () => {
  const issues = (value: unknown) => {
    const result = SendWindowInputSchema.safeParse(value);
    return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
  };

  it('accepts IANA zones, non-repeating days and start < end (end up to 24:00)', () => {
    expect(issues(window())).toEqual([]);
    expect(issues(window({ time_zone: 'UTC', start: '00:00', end: '24:00' }))).toEqual([]);
  });

  it('refuses each mistake on its own field', () => {
    expect(issues(window({ time_zone: 'Mars/Olympus_Mons' }))).toEqual(['time_zone']);
    expect(issues(window({ time_zone: '+01:00' }))).toEqual(['time_zone']);
    expect(issues(window({ days: [] }))).toEqual(['days']);
    expect(issues(window({ days: ['mon', 'mon'] }))).toEqual(['days']);
    expect(issues({ ...window(), days: ['monday'] })).toEqual(['days.0']);
    expect(issues(window({ start: '24:00' }))).toEqual(['start']);
    expect(issues(window({ start: '9:00' }))).toEqual(['start']);
    expect(issues(window({ end: '24:01' }))).toEqual(['end']);
    expect(issues(window({ start: '17:00', end: '09:00' }))).toEqual(['end']);
    expect(issues(window({ start: '09:00', end: '09:00' }))).toEqual(['end']);
    expect(issues({ ...window(), extra: true })).toEqual(['']);
  });
});
