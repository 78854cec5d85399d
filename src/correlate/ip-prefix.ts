import { formatIPv6, ipv4Number, ipv6Groups } from '../parse/address.js';
import { nameHash } from './name-key.js';

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

/**
 * The last address asked about and what was computed of it: every signal asks about the same address within one
 * event. Each part is computed on first demand.
 */
let memoIp = '';
let memoNarrow: string | undefined;
let memoWide: string | undefined;
let memoNarrowKey: BlockKey | undefined;
let memoWideKey: BlockKey | undefined;
let memoV4: number | undefined;
let memoFamily: Family | undefined;
let memoTag: number | undefined;

function memo(ip: string): void {
  if (ip === memoIp) return;
  memoIp = ip;
  memoNarrow = undefined;
  memoWide = undefined;
  memoNarrowKey = undefined;
  memoWideKey = undefined;
  memoV4 = undefined;
  memoFamily = undefined;
  memoTag = undefined;
}

/** familyOf(ip), memoised with the rest (the intake asks it of every failure's address). */
export function addressFamily(ip: string): Family {
  memo(ip);
  memoFamily ??= familyOf(ip);
  return memoFamily;
}

/**
 * A 32-bit number of the address, different for different addresses most of the time and the same for the same
 * text always: the shared indexes compare it before the text (slot-pool.ts). An IPv4 address's own number (which
 * locality computes for the same event anyway), a hash of the text for anything else.
 */
export function addressTag(ip: string): number {
  memo(ip);
  // The FNV-1a that hashes usernames (name-key.ts) serves for any text; signed, as an IPv4 number's `| 0` is.
  memoTag ??= addressFamily(ip) === 4 ? ipv4Of(ip) | 0 : nameHash(ip) | 0;
  return memoTag;
}

/** The /24 of an IPv4 address or the /64 of an IPv6 one, as CIDR text; '' for anything else. */
export function neighbourPrefix(ip: string): string {
  memo(ip);
  memoNarrow ??= computeNeighbour(ip);
  return memoNarrow;
}

/** The /16 of an IPv4 address or the /48 of an IPv6 one (a site or a provider's block); '' for anything else. */
export function providerPrefix(ip: string): string {
  memo(ip);
  memoWide ??= computeProvider(ip);
  return memoWide;
}

/**
 * A block as a map key. An IPv4 /24 is the integer of its top 24 bits, an IPv4 /16 that of its top 16 bits plus
 * 2^24 (so the two never meet): a number is looked up faster than text, and the locality signal looks up two blocks
 * for every failed attempt. IPv6 blocks stay CIDR text; '' for anything else.
 */
export type BlockKey = number | string;
const WIDE = 1 << 24;

/** The key of neighbourPrefix(ip). */
export function neighbourKey(ip: string): BlockKey {
  memo(ip);
  memoNarrowKey ??= addressFamily(ip) === 4 ? ipv4Of(ip) >>> 8 : neighbourPrefix(ip);
  return memoNarrowKey;
}

/** The key of providerPrefix(ip). */
export function providerKey(ip: string): BlockKey {
  memo(ip);
  memoWideKey ??= addressFamily(ip) === 4 ? WIDE + (ipv4Of(ip) >>> 16) : providerPrefix(ip);
  return memoWideKey;
}

/** A block key as CIDR text (what verdicts, campaigns and snapshots show). */
export function blockText(key: BlockKey): string {
  if (typeof key === 'string') return key;
  if (key < WIDE) return `${key >>> 16}.${(key >>> 8) & 255}.${key & 255}.0/24`;
  const wide = key - WIDE;
  return `${wide >>> 8}.${wide & 255}.0.0/16`;
}

const NARROW_TEXT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/;
const WIDE_TEXT = /^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/;

/** The key of a block's CIDR text (a snapshot's). */
export function blockKeyOf(text: string): BlockKey {
  const m = NARROW_TEXT.exec(text) ?? WIDE_TEXT.exec(text);
  if (m === null) return text;
  const octets = m.slice(1).map(Number);
  if (octets.some((n) => n > 255)) return text;
  const [a = 0, b = 0, c = 0] = octets;
  return octets.length === 3 ? (a << 16) | (b << 8) | c : WIDE + ((a << 8) | b);
}

/** ipv4Number(ip), memoised with the rest. */
function ipv4Of(ip: string): number {
  memo(ip);
  memoV4 ??= ipv4Number(ip);
  return memoV4;
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
    const n = ipv4Of(ip);
    const a = n >>> 24;
    const b = (n >>> 16) & 255;
    return (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254)
    );
  }
  if (family === 6) {
    const first = ipv6Groups(ip)[0] ?? 0;
    return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
  }
  return false;
}
