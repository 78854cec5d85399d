import { isIPv4, isIPv6 } from 'node:net';
import { formatIPv6, ipv6Groups } from '../parse/address.js';

/**
 * Network neighbourhoods of an address. Attack fleets rent blocks, so a /24 (IPv4) or /64 (IPv6, one customer's
 * subnet) is the unit of "neighbours"; a /16 is the unit of "same provider". Non-addresses (hostnames) have none.
 */
export type Family = 4 | 6 | 0;

export function familyOf(ip: string): Family {
  if (isIPv4(ip)) return 4;
  if (isIPv6(ip)) return 6;
  return 0;
}

/** The /24 of an IPv4 address or the /64 of an IPv6 one, as CIDR text; '' for anything else. */
export function neighbourPrefix(ip: string): string {
  const family = familyOf(ip);
  if (family === 4) return `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`;
  if (family === 6) return `${formatIPv6([...ipv6Groups(ip).slice(0, 4), 0, 0, 0, 0])}/64`;
  return '';
}

/** The /16 of an IPv4 address or the /48 of an IPv6 one (a site or a provider's block); '' for anything else. */
export function providerPrefix(ip: string): string {
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
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (family === 6) {
    const first = ipv6Groups(ip)[0] ?? 0;
    return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
  }
  return false;
}
