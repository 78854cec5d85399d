import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimal } from '../../src/parse/message-match.js';

describe('decimal (a port read by hand)', () => {
  it('gives what Number() gives for any run of digits, leading zeros and 30 digits included', () => {
    const digits = fc.array(fc.constantFrom(...'0123456789'), { minLength: 1, maxLength: 30 }).map((d) => d.join(''));
    fc.assert(
      fc.property(digits, (text) => {
        expect(decimal(text)).toBe(Number(text));
      }),
      { numRuns: 20_000 },
    );
    expect(decimal('65535')).toBe(65535);
    expect(decimal('999999999999999')).toBe(999_999_999_999_999);
    expect(decimal('9007199254740993')).toBe(Number('9007199254740993'));
  });
});
