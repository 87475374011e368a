import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conditionMatches, etagOf, versionsMatching } from '../../src/domain/versions';

// The one-round-trip changes check If-Match in SQL with versionsMatching; refusals are explained in
// JavaScript with conditionMatches. Both must agree on every header.
describe('versionsMatching agrees with conditionMatches (strong comparison)', () => {
  const instant = fc.date({
    min: new Date('2000-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  });
  const tag = fc.oneof(
    instant.map((d) => etagOf(d)),
    instant.map((d) => `W/${etagOf(d)}`),
    instant.map((d) => `"${d.toISOString().replace('Z', '+00:00')}"`),
    fc.constant('*'),
    fc.string({ maxLength: 30 }),
  );
  it('for any header and version', () => {
    fc.assert(
      fc.property(
        instant,
        fc.array(tag, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (version, tags, spaced) => {
          const header = tags.join(spaced ? ' , ' : ',');
          const accepted = versionsMatching(header);
          const bySql = accepted === 'any' || accepted.some((v) => v.getTime() === version.getTime());
          expect(bySql).toBe(conditionMatches(header, etagOf(version), { weak: false }));
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('names the version of a header that holds its ETag among others', () => {
    const version = new Date('2026-12-02T10:00:00.123Z');
    expect(versionsMatching(`"x", W/${etagOf(version)}, ${etagOf(version)}`)).toEqual([version]);
    expect(versionsMatching(' * ')).toBe('any');
  });
});
