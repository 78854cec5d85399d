import { describe, expect, it } from 'vitest';
import { NeverBan, protection } from '../../src/correlate/never-ban.js';
import { SuccessHistory } from '../../src/correlate/success-history.js';
import { HOUR, MIN, source, T0 } from './helpers.js';

describe('never-ban rules', () => {
  const rules = new NeverBan(['192.0.2.0/24', '198.51.100.7', '2001:db8:aa::/48', 'office.example.org']);

  it('never bans loopback, in any notation', () => {
    for (const ip of ['127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '::ffff:127.0.0.9']) {
      expect(rules.reason(ip, true)).toBe('loopback');
    }
  });

  it("never bans fail2ban's ignoreip: blocks, single addresses, IPv6 blocks", () => {
    expect(rules.reason('192.0.2.200', true)).toBe('ignoreip');
    expect(rules.reason('198.51.100.7', true)).toBe('ignoreip');
    expect(rules.reason('198.51.100.8', true)).toBeNull();
    expect(rules.reason('2001:db8:aa:1::5', true)).toBe('ignoreip');
    expect(rules.reason('2001:db8:ab::5', true)).toBeNull();
    expect(rules.reason('::ffff:192.0.2.9', true)).toBe('ignoreip');
  });

  it('never bans a hostname (sshd UseDNS), and an ignoreip hostname protects only that name', () => {
    expect(rules.reason('scanner.example.net', false)).toBe('hostname');
    expect(rules.reason('office.example.org', false)).toBe('ignoreip');
    expect(rules.reason('203.0.113.5', false)).toBe('hostname');
  });

  it('reads an IPv4-mapped entry as fail2ban does: bare, the IPv4 address; with a prefix, no IPv4 address', () => {
    // fail2ban's IPAddr: ::ffff:192.0.2.1/24 is ::/24, ::ffff:192.0.2.0/120 an IPv6 network; neither holds an IPv4
    // address (node's BlockList alone would put every IPv4 address in the first).
    const mapped = new NeverBan([
      '::ffff:192.0.2.1/24',
      '::ffff:198.51.100.0/120',
      '::ffff:203.0.113.7',
      '::ffff:c000:221',
    ]);
    for (const ip of ['45.67.89.34', '192.0.2.1', '198.51.100.9', '::ffff:198.51.100.9'])
      expect(mapped.reason(ip, true), ip).toBeNull();
    for (const ip of ['203.0.113.7', '::ffff:203.0.113.7', '192.0.2.33', '::5'])
      expect(mapped.reason(ip, true), ip).toBe('ignoreip');
  });

  it('ignores malformed ignoreip entries instead of protecting everything', () => {
    const odd = new NeverBan(['10.0.0.0/99', 'not an address/8']);
    expect(odd.reason('10.1.2.3', true)).toBeNull();
  });
});

describe('success protection', () => {
  const override = { signals: 3, attempts: 30 };

  it('protects an address that logged in recently, and for IPv6 its whole /64', () => {
    const history = new SuccessHistory(7 * 24 * HOUR, 1000);
    history.record('203.0.113.5', T0);
    history.record('2001:db8:4b2:10::1234', T0);
    expect(protection(source('203.0.113.5'), 5, T0 + HOUR, history, override)).toBe('protected');
    expect(protection(source('203.0.113.6'), 5, T0 + HOUR, history, override)).toBe('none');
    expect(protection(source('2001:db8:4b2:10:a:b:c:d'), 5, T0 + HOUR, history, override)).toBe('protected');
    expect(protection(source('2001:db8:4b2:11::1'), 5, T0 + HOUR, history, override)).toBe('none');
  });

  it('answers a repeated question from memory, and forgets the answer when a success is recorded', () => {
    const history = new SuccessHistory(24 * HOUR, 1000);
    expect(history.protects('203.0.113.5', T0)).toBe(false);
    history.record('203.0.113.5', T0);
    // Same address, same time: asked again after the success, the old answer must not come back.
    expect(history.protects('203.0.113.5', T0)).toBe(true);
    expect(history.protects('203.0.113.5', T0 + 25 * HOUR)).toBe(false);
    history.record('2001:db8:4b2:10::1', T0);
    expect(history.protects('2001:db8:4b2:10::2', T0)).toBe(true);
  });

  it('protects for the whole of success_memory, to the millisecond', () => {
    // Found by a mutation audit (2026-11-24): `>` for `>=` at the memory's edge survived every test.
    const history = new SuccessHistory(24 * HOUR, 1000);
    history.record('203.0.113.5', T0);
    expect(protection(source('203.0.113.5'), 5, T0 + 24 * HOUR, history, override)).toBe('protected');
    expect(protection(source('203.0.113.5'), 5, T0 + 24 * HOUR + 1, history, override)).toBe('none');
  });

  it('expires after success_memory', () => {
    const history = new SuccessHistory(24 * HOUR, 1000);
    history.record('203.0.113.5', T0);
    expect(protection(source('203.0.113.5'), 5, T0 + 25 * HOUR, history, override)).toBe('none');
  });

  it('gives way only to overwhelming evidence: enough signals AND enough failures since the success', () => {
    const history = new SuccessHistory(7 * 24 * HOUR, 1000);
    history.record('203.0.113.5', T0);
    const src = source('203.0.113.5');
    src.attemptsAtSuccess = 2;
    // Its last attempt came after the success (a success later than it leaves no attempt since: below).
    src.addTime(T0 + MIN / 2);
    src.attempts = 2 + 29;
    expect(protection(src, 6, T0 + MIN, history, override)).toBe('protected');
    src.attempts = 2 + 30;
    expect(protection(src, 2, T0 + MIN, history, override)).toBe('protected');
    expect(protection(src, 3, T0 + MIN, history, override)).toBe('overridden');
  });

  it("counts no failure since a login of the IPv6 /64 that came after the source's last attempt", () => {
    // The record has not seen the login (it came from another address): its attempts are all from before it.
    const history = new SuccessHistory(7 * 24 * HOUR, 1000);
    const src = source('2001:db8:4b2:10::7');
    src.attempts = 40;
    src.addTime(T0 - MIN);
    history.record('2001:db8:4b2:10::99', T0);
    expect(protection(src, 6, T0 + MIN, history, override)).toBe('protected');
  });
});
