import fc from 'fast-check';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { transformer } from '../src/transformer';

// The transformer must put exactly superjson's bytes on the wire, whatever the value: it only skips
// superjson's walk when the value is plain JSON.

const shared = { id: 'shared' };
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.date({ noInvalidDate: true }),
    fc.constantFrom(undefined, -0, Number.NaN, Number.POSITIVE_INFINITY, 10n, shared, Object.create(null)),
    fc.constant(new Map([['k', 1]])),
  ),
  node: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 4 }),
  ),
})).node;

const REFUSED = Symbol('refused');
const attempt = <T>(serialize: () => T): T | typeof REFUSED => {
  try {
    return serialize();
  } catch {
    return REFUSED;
  }
};

describe('the tRPC transformer', () => {
  it('serializes every value exactly as superjson does', () => {
    fc.assert(
      fc.property(value, (v) => {
        let expected: string;
        try {
          expected = JSON.stringify(superjson.serialize(v));
        } catch {
          // superjson refuses keys it deems a prototype-pollution risk (`prototype`, `constructor`,
          // `__proto__`). Plain JSON is written as it is (a step's variables may hold such a key);
          // anything else goes through superjson and is refused alike.
          const ours = attempt(() => transformer.serialize(v));
          if (ours !== REFUSED) expect(ours).toEqual({ json: v });
          return;
        }
        expect(JSON.stringify(transformer.serialize(v))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips through deserialize', () => {
    fc.assert(
      fc.property(value, (v) => {
        const serialized = attempt(() => transformer.serialize(v));
        fc.pre(serialized !== REFUSED);
        const wire = JSON.parse(JSON.stringify(serialized));
        expect(transformer.deserialize(wire)).toEqual(superjson.deserialize(wire));
      }),
      { numRuns: 500 },
    );
  });

  it('takes the plain-JSON path for an output-shaped value and superjson for the rest', () => {
    const campaign = { id: 'cmp_1', name: 'Spring', steps: [{ position: 0 }], description: null };
    expect(transformer.serialize(campaign)).toEqual({ json: campaign });
    expect(transformer.serialize({ at: new Date(0) })).toHaveProperty('meta');
    expect(transformer.serialize({ a: shared, b: shared })).toHaveProperty('meta');
  });
});
