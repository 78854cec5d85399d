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
  // Apart: node's BlockList checks an IPv4 address against IPv6 subnets as its mapped form (::ffff:a.b.c.d), so
  // `::ffff:192.0.2.1/24` (that is ::/24) would cover every IPv4 address. fail2ban (IPAddr) keeps the families
  // apart: an IPv6 network, mapped or not, contains no IPv4 address.
  private readonly v4 = new BlockList();
  private readonly v6 = new BlockList();
  private readonly names = new Set<string>();
  /** Whether ignoreip holds more than loopback: the usual `127.0.0.1/8 ::1` then costs no lookup per event. */
  private custom = false;

  constructor(ignoreip: readonly string[]) {
    for (const entry of ignoreip) this.add(entry);
  }

  private add(entry: string): void {
    const [written = '', bits] = entry.split('/');
    // A mapped address without a prefix is the IPv4 address, as fail2ban reads it; with one, an IPv6 network.
    const mapped = bits === undefined ? mappedIPv4(written) : null;
    const address = mapped ?? written;
    const family = isIP(address);
    if (family === 0) {
      this.names.add(entry.toLowerCase());
      return;
    }
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return;
    if ((family === 4 && address.startsWith('127.') && prefix >= 8) || (address === '::1' && prefix === 128)) return;
    if (family === 4) this.v4.addSubnet(address, prefix, 'ipv4');
    else this.v6.addSubnet(address, prefix, 'ipv6');
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
    if (!this.custom) return null;
    const listed = v4.includes(':') ? this.v6.check(v4, 'ipv6') : this.v4.check(v4, 'ipv4');
    return listed ? 'ignoreip' : null;
  }
}

/** The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, `::ffff:c000:201`), else null. */
function mappedIPv4(address: string): string | null {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (dotted !== undefined) return isIP(dotted) === 4 ? dotted : null;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const [high, low] = [Number.parseInt(hex[1]!, 16), Number.parseInt(hex[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
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
  const since = attemptsSince(source, successes.protectedSince(source.ip, now));
  return signals >= override.signals && since >= override.attempts ? 'overridden' : 'protected';
}

/**
 * The source's failed attempts since the success at `at` that protects it (SuccessHistory.protectedSince). Its own
 * login sets attemptsAtSuccess at once; a login from another address of its IPv6 /64 cannot reach its record, so
 * the record notes it at its first failure after that login (EvidenceIntake.noteSuccess), and until then, a success
 * after its last attempt, it has none since. Counted from its first failure ever, a privacy address whose /64 had
 * just logged in was banned on failures from before that login (found in review).
 */
function attemptsSince(source: SourceState, at: number): number {
  return at > source.lastTime() ? 0 : source.attempts - source.attemptsAtSuccess;
}
