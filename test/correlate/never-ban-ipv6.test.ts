import { describe, expect, it } from 'vitest';
import { NeverBan } from '../../src/correlate/never-ban.js';

// Every other ignoreip in the tests holds an IPv4 block besides loopback, which hid a rule that only an IPv4 entry
// turned on (found by hand mutation testing).
describe('ignoreip with IPv6 blocks only', () => {
  it('never bans an IPv6 ignoreip block when ignoreip holds no IPv4 besides loopback', () => {
    const rules = new NeverBan(['127.0.0.1/8', '::1', '2001:db8:aa::/48']);
    expect(rules.reason('2001:db8:aa:1::5', true)).toBe('ignoreip');
  });
});
