import { Prisma } from '@campaigns/db';
import { describe, expect, it } from 'vitest';
import { shapeKey } from '../../src/services/pipelined-change';

// A withShape key stands for one statement text (packages/db): fragments that read differently must
// never give the same key, whatever characters their SQL holds.
describe('shapeKey', () => {
  const a = Prisma.sql`name = ${'x'}`;
  const b = Prisma.sql`description = ${'y'}`;

  it('is the same for the same fragments, whatever their values', () => {
    expect(shapeKey('s', a, b)).toBe(
      shapeKey('s', Prisma.sql`name = ${'other'}`, Prisma.sql`description = ${1}`),
    );
  });

  it('differs when the fragments, their order, their number or the statement differ', () => {
    const keys = [
      shapeKey('s', a, b),
      shapeKey('s', b, a),
      shapeKey('s', a),
      shapeKey('s', a, b, undefined),
      shapeKey('t', a, b),
      // SQL that looks like a separator: `||`, `$`, quotes and commas.
      shapeKey('s', Prisma.sql`name = ${'x'}|description = ${'y'}`),
      shapeKey('s', Prisma.sql`name = $|${'x'}`, Prisma.sql`description = ${'y'}`),
      shapeKey('s', Prisma.sql`a || ${'x'} || '","'`),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});
