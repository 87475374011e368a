import { describe, expect, it } from 'vitest';
import { isPlausibleId, newId } from '../../src/domain/ids';

describe('newId', () => {
  it('issues plausible, distinct ids across many refills of its entropy buffer', () => {
    // 256 ids per 4 KiB buffer: 20,000 ids span ~78 refills.
    const ids = Array.from({ length: 20_000 }, () => newId('campaign'));
    expect(ids.every((id) => isPlausibleId(id) && id.startsWith('cmp_'))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every bit: each of the 32 hex digits takes all 16 values', () => {
    const ids = Array.from({ length: 2_000 }, () => newId('step').slice(4));
    for (let digit = 0; digit < 32; digit++) {
      expect(new Set(ids.map((hex) => hex[digit])).size, `digit ${digit}`).toBe(16);
    }
  });
});
