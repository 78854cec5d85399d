import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/verdict/iso-time.js';

describe('isoTime', () => {
  it('writes what Date.prototype.toISOString writes, for any time a Date holds', () => {
    const time = fc.oneof(
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      // Around now, where verdicts are, and around the ends of the range the day cache covers.
      fc.integer({ min: 1.7e12, max: 1.9e12 }),
      fc.integer({ min: -1e9, max: 1e9 }),
      fc.integer({ min: 253_402_300_799_000 - 1e6, max: 253_402_300_799_000 + 1e6 }),
      fc.double({ min: -1e13, max: 1e13, noNaN: true }),
    );
    fc.assert(
      fc.property(time, (t) => {
        expect(isoTime(t)).toBe(new Date(t).toISOString());
      }),
      { numRuns: 50_000 },
    );
  });

  it('goes from one day to the next and back', () => {
    const midnight = Date.UTC(2026, 10, 23);
    for (const t of [midnight - 1, midnight, midnight - 1, midnight + 86_399_999, midnight + 86_400_000]) {
      expect(isoTime(t)).toBe(new Date(t).toISOString());
    }
  });

  it('throws as a Date does on NaN', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
