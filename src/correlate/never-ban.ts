import { BlockList, isIP } from 'node:net';
import { isDottedQuad } from '../parse/address.js';
import type { SourceState } from './source-state.js';
import type { SuccessHistory } from './success-history.js';

/** Why an address is never banned, whatever the evidence. */
export type NeverBanReason = 'loopback' | 'ignoreip' | 'hostname';

/**
 * The absolute rules: loopback, fail2ban's ignoreip (addresses and CIDR blocks; a host name there was resolved to
 * its addresses when fail2ban's configuration was read, src/fail2ban/ignoreip.ts, and as a name it still protects
 * an event whose address is that very name) and events whose address is a hostname (sshd's UseDNS: a name is not
 * something we can ban safely). Checked before anything is recorded about a source.
 */
export class NeverBan {
  private readonly blocks = new BlockList();
  private readonly names = new Set<string>();
  /** Whether ignoreip holds more than loopback: the usual `127.0.0.1/8 ::1` then costs no lookup per event. */
  private custom = false;

  constructor(ignoreip: readonly string[]) {
    for (const entry of ignoreip) this.add(entry);
  }

  private add(entry: string): void {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    if (family === 0) {
      this.names.add(entry.toLowerCase());
      return;
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return;
    if ((family === 4 && address.startsWith('127.') && prefix >= 8) || (address === '::1' && prefix === 128)) return;
    this.blocks.addSubnet(address, prefix, type);
    this.custom = true;
  }

  /** The rule that forbids banning `ip`, or null when it may be banned. */
  reason(ip: string, bannable: boolean): NeverBanReason | null {
    // A bannable event's address was validated by the parser; anything else is a name (or junk) and never banned.
    // The hand-written IPv4 check first: node:net's isIP is a regular expression, and this runs for every event.
    if (!bannable || (!isDottedQuad(ip) && isIP(ip) === 0))
      return this.names.has(ip.toLowerCase()) ? 'ignoreip' : 'hostname';
    const v4 = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
    if (v4.startsWith('127.') || ip === '::1') return 'loopback';
    if (this.custom && this.blocks.check(v4, v4.includes(':') ? 'ipv6' : 'ipv4')) return 'ignoreip';
    return null;
  }
}

/** What the protection of a recent success decides for a source the signals would make a member. */
export type Protection = 'none' | 'protected' | 'overridden';

/**
 * A source with a recent successful login (or, for IPv6, any address of its /64) is protected: a user who mistypes
 * after logging in, a NAT'd office, a CGNAT address. Only overwhelming evidence overrides it: at least
 * `overrideSignals` distinct signals AND `overrideAttempts` failures since that success. The BAN then says
 * `protection=overridden`.
 */
export function protection(
  source: SourceState,
  signals: number,
  now: number,
  successes: SuccessHistory,
  override: { readonly signals: number; readonly attempts: number },
): Protection {
  if (!successes.protects(source.ip, now)) return 'none';
  const since = source.attempts - source.attemptsAtSuccess;
  return signals >= override.signals && since >= override.attempts ? 'overridden' : 'protected';
}
