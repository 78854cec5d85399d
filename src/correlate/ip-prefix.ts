import { formatIPv6, ipv6Groups } from '../parse/address.js';

/**
 * Network neighbourhoods of an address. Attack fleets rent blocks, so a /24 (IPv4) or /64 (IPv6, one customer's
 * subnet) is the unit of "neighbours"; a /16 is the unit of "same provider". Non-addresses (hostnames) have none.
 */
export type Family = 4 | 6 | 0;

/**
 * Cheap on the hot path. Callers hold addresses the parser already validated and canonicalised (hostnames are
 * never bannable and never reach the signals): a colon means IPv6, a leading digit IPv4.
 */
export function familyOf(ip: string): Family {
  if (ip.includes(':')) return 6;
  const first = ip.charCodeAt(0);
  return first >= 48 && first <= 57 ? 4 : 0;
}

/** The last address asked about and its blocks: every signal asks about the same address within one event. */
let memoIp = '';
let memoNarrow = '';
let memoWide = '';

function memo(ip: string): void {
  if (ip === memoIp) return;
  memoNarrow = computeNeighbour(ip);
  memoWide = computeProvider(ip);
  memoIp = ip;
}

/** The /24 of an IPv4 address or the /64 of an IPv6 one, as CIDR text; '' for anything else. */
export function neighbourPrefix(ip: string): string {
  memo(ip);
  return memoNarrow;
}

/** The /16 of an IPv4 address or the /48 of an IPv6 one (a site or a provider's block); '' for anything else. */
export function providerPrefix(ip: string): string {
  memo(ip);
  return memoWide;
}

function computeNeighbour(ip: string): string {
  const family = familyOf(ip);
  if (family === 4) return `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`;
  if (family === 6) return `${formatIPv6([...ipv6Groups(ip).slice(0, 4), 0, 0, 0, 0])}/64`;
  return '';
}

function computeProvider(ip: string): string {
  const family = familyOf(ip);
  if (family === 4) {
    const dot = ip.indexOf('.', ip.indexOf('.') + 1);
    return `${ip.slice(0, dot)}.0.0/16`;
  }
  if (family === 6) return `${formatIPv6([...ipv6Groups(ip).slice(0, 3), 0, 0, 0, 0, 0])}/48`;
  return '';
}

/** RFC 1918, RFC 6598 (CGNAT), RFC 4193 (ULA) and link-local: addresses of our own networks, not the internet. */
export function isPrivate(ip: string): boolean {
  const family = familyOf(ip);
  if (family === 4) {
    const dot = ip.indexOf('.');
    const a = Number(ip.slice(0, dot));
    const b = Number(ip.slice(dot + 1, ip.indexOf('.', dot + 1)));
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (family === 6) {
    const first = ipv6Groups(ip)[0] ?? 0;
    return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
  }
  return false;
}
