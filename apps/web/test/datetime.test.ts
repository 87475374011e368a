import { beforeAll, describe, expect, it } from 'vitest';
import { formatOffset, instantToLocalInput, localInputToInstant, timeZoneLabel } from '../src/forms/datetime';

// The browser's zone, simulated: Node re-reads TZ when it is assigned.
beforeAll(() => {
  process.env.TZ = 'Europe/Berlin';
});

describe('localInputToInstant', () => {
  it('sends the picked wall-clock time with the zone’s offset', () => {
    expect(localInputToInstant('2026-11-23T10:00')).toEqual({
      ok: true,
      instant: '2026-11-23T10:00:00+01:00',
    });
    expect(localInputToInstant('2026-07-01T09:30:15')).toEqual({
      ok: true,
      instant: '2026-07-01T09:30:15+02:00',
    });
  });

  it('means the same instant as the server will read', () => {
    const picked = localInputToInstant('2026-11-23T10:00');
    expect(picked.ok && new Date(picked.instant).toISOString()).toBe('2026-11-23T09:00:00.000Z');
  });

  it('refuses empty, malformed and impossible dates', () => {
    expect(localInputToInstant('')).toEqual({ ok: false, reason: 'empty' });
    expect(localInputToInstant('tomorrow')).toEqual({ ok: false, reason: 'invalid' });
    expect(localInputToInstant('2026-02-31T10:00')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a time skipped by the clock change instead of sending another one', () => {
    // Berlin jumps from 02:00 to 03:00 on 29 March 2026.
    expect(localInputToInstant('2026-03-29T02:30')).toEqual({ ok: false, reason: 'nonexistent' });
  });
});

describe('helpers', () => {
  it('formats offsets the RFC 3339 way', () => {
    expect(formatOffset(0)).toBe('Z');
    expect(formatOffset(60)).toBe('+01:00');
    expect(formatOffset(-330)).toBe('-05:30');
  });

  it('prefills the picker with an API instant in local time', () => {
    expect(instantToLocalInput('2026-11-23T09:00:00.000Z')).toBe('2026-11-23T10:00');
  });

  it('names the zone and its current offset', () => {
    expect(timeZoneLabel(new Date('2026-11-23T09:00:00Z'))).toBe('Europe/Berlin (UTC+01:00)');
  });
});
