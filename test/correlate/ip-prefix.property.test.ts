import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockKeyOf,
  blockText,
  isPrivate,
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

  it('tell our own networks (RFC 1918, CGNAT, link-local) from the internet', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const [a = 0, b = 0] = ip.split('.').map(Number);
        const own =
          a === 10 ||
          (a === 172 && b >= 16 && b <= 31) ||
          (a === 192 && b === 168) ||
          (a === 100 && b >= 64 && b <= 127) ||
          (a === 169 && b === 254);
        expect(isPrivate(ip)).toBe(own);
      }),
      { numRuns: 20_000 },
    );
    for (const ip of [
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '100.127.255.254',
      '169.254.0.9',
      'fd00::1',
      'fe80::1',
    ])
      expect(isPrivate(ip)).toBe(true);
    for (const ip of [
      '172.15.0.1',
      '172.32.0.1',
      '192.169.0.1',
      '100.63.255.255',
      '100.128.0.1',
      '11.0.0.1',
      '2001:db8::1',
    ])
      expect(isPrivate(ip)).toBe(false);
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
