import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockKeyOf,
  blockText,
  neighbourKey,
  neighbourPrefix,
  providerKey,
  providerPrefix,
} from '../../src/correlate/ip-prefix.js';

describe('block keys', () => {
  it('name the same blocks as the CIDR prefixes, and read back from their text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        for (const [key, prefix] of [
          [neighbourKey(ip), neighbourPrefix(ip)],
          [providerKey(ip), providerPrefix(ip)],
        ] as const) {
          expect(blockText(key)).toBe(prefix);
          expect(blockKeyOf(prefix)).toBe(key);
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('keep a /24 and a /16 apart, and IPv4 blocks as numbers', () => {
    expect(neighbourKey('10.0.1.7')).not.toBe(providerKey('10.0.1.7'));
    expect(neighbourKey('0.0.0.1')).toBe(0);
    expect(blockText(providerKey('255.255.1.2'))).toBe('255.255.0.0/16');
    expect(typeof neighbourKey('203.0.113.9')).toBe('number');
    expect(blockKeyOf('300.1.2.0/24')).toBe('300.1.2.0/24');
    expect(neighbourKey('host.example')).toBe('');
  });
});
