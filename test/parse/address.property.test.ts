import { isIPv4 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dottedQuadNumber, ipv4Number, isDottedQuad } from '../../src/parse/address.js';

// Strings built from the characters an IPv4 check has to get right, plus anything at all.
const near = fc
  .array(fc.constantFrom('0', '1', '2', '5', '9', '.', '00', '25', '255', '256', '01', ' ', '-', '+', 'a', ':'), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

describe('isDottedQuad', () => {
  it("accepts exactly what node:net's isIPv4 accepts", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV4Extended(), near, fc.string({ maxLength: 20 })), (text) => {
        expect(isDottedQuad(text)).toBe(isIPv4(text));
        // Read in the same pass: the number of exactly the quads accepted.
        expect(dottedQuadNumber(text)).toBe(isIPv4(text) ? ipv4Number(text) : -1);
      }),
      { numRuns: 20_000 },
    );
  });

  it('on the edges', () => {
    for (const ok of ['0.0.0.0', '255.255.255.255', '10.0.0.1', '1.2.3.4'])
      expect([ok, isDottedQuad(ok)]).toEqual([ok, true]);
    expect(['0.0.0.0', '255.255.255.255', '10.0.0.1'].map(dottedQuadNumber)).toEqual([0, 0xffffffff, 0x0a000001]);
    for (const bad of ['256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.', '.1.2.3.4', '1..2.3', '1.2.3.4.5', '1.2.3.-4', ''])
      expect([bad, isDottedQuad(bad)]).toEqual([bad, false]);
  });
});
