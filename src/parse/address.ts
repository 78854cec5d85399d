import { isIPv6 } from 'node:net';

/** What sshd wrote where an address belongs: an address we may ban, or a name we must never resolve. */
export interface RemoteAddress {
  /** Canonical text: IPv4 dotted quad, IPv6 lower-case and compressed (RFC 5952), or the hostname as written. */
  readonly ip: string;
  readonly bannable: boolean;
  /** An IPv4 address (mapped ones included) as an unsigned 32-bit number; -1 for anything else. */
  readonly quad: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** Expands an IPv6 address to its eight 16-bit groups (input must already pass isIPv6). */
export function ipv6Groups(text: string): number[] {
  let hex = text;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) is two more 16-bit groups.
    const [a = 0, b = 0, c = 0, d = 0] = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    hex = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const [left = '', right] = hex.split('::');
  const l = parse(left);
  if (right === undefined) return l;
  const r = parse(right);
  return [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
}

/** RFC 5952 text for eight groups: lower case, longest run (>1) of zero groups compressed. */
export function formatIPv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * Normalises the address token of an sshd line. IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes the IPv4 address, so
 * one attacker is one source whichever socket family sshd used. Returns null when the token is neither an address
 * nor a plausible hostname (the line is then skipped, never guessed at), and for the unspecified addresses
 * (`0.0.0.0`, `::`): no connection comes from them, so one where the peer belongs was written by an attacker (a
 * cut `Change of username` line leaves room for `::` alone).
 */
export function normaliseAddress(token: string): RemoteAddress | null {
  const quad = dottedQuadNumber(token);
  if (quad === UNSPECIFIED) return null;
  return quad >= 0 ? ipv4Address(token, quad) : otherAddress(token);
}

/** 0.0.0.0 as dottedQuadNumber reads it. */
export const UNSPECIFIED = 0;

/** A dotted quad and its number (as dottedQuadNumber reads it) as a RemoteAddress of its own. */
export function ipv4Address(token: string, quad: number): RemoteAddress {
  return { ip: detach(token), bannable: true, quad };
}

/** normaliseAddress of a token that dottedQuadNumber refused: an IPv6 address, a hostname, or null (`::` too). */
export function otherAddress(token: string): RemoteAddress | null {
  const bracketless = token.startsWith('[') && token.endsWith(']') ? token.slice(1, -1) : token;
  if (isIPv6(bracketless)) {
    // A link-local peer comes with its zone (`fe80::1%eth0`): the interface is ours, the address is the part before.
    const zone = bracketless.indexOf('%');
    const bare = zone < 0 ? bracketless : bracketless.slice(0, zone);
    const groups = ipv6Groups(bare);
    if (groups.every((g) => g === 0)) return null;
    const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
    if (mapped) {
      const hi = groups[6]!;
      const lo = groups[7]!;
      if (hi === 0 && lo === 0) return null;
      return { ip: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, bannable: true, quad: hi * 65536 + lo };
    }
    return { ip: formatIPv6(groups), bannable: true, quad: -1 };
  }
  // A strictly numeric dotted token that is not an IPv4 address (192.030.0.6, 300.1.1.1) is not a hostname either.
  if (/^[\d.]+$/.test(token)) return null;
  if (HOSTNAME.test(token)) return { ip: detach(token), bannable: false, quad: -1 };
  return null;
}

/**
 * What node:net's isIPv4 accepts (four decimal octets 0-255, no leading zeros, no sign), without its regular
 * expression: this runs for nearly every line. test/parse/address.property.test.ts holds it to isIPv4.
 */
export function isDottedQuad(token: string): boolean {
  return dottedQuadNumber(token) >= 0;
}

/**
 * A dotted quad (as isDottedQuad accepts it) as an unsigned 32-bit number, read in the same pass that checks it;
 * -1 for anything else. For the tables keyed by IPv4 addresses as numbers (the source table's, the parser's
 * connection tracker's), which would otherwise check an address and then read it again.
 */
export function dottedQuadNumber(token: string): number {
  const n = token.length;
  if (n < 7 || n > 15) return -1;
  // One pass, one branch per character: the nested loops this replaced cost the parser ~150 instructions a line more.
  let number = 0;
  let value = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = token.charCodeAt(i);
    if (c === 0x2e /* . */) {
      if (digits === 0 || dots === 3) return -1;
      number = number * 256 + value;
      value = 0;
      digits = 0;
      dots++;
    } else {
      const d = c - 0x30;
      // Not a digit, or a digit after a leading 0 (`01` is not an octet).
      if (d < 0 || d > 9 || (digits === 1 && value === 0)) return -1;
      value = value * 10 + d;
      digits++;
      if (value > 255) return -1;
    }
  }
  return dots === 3 && digits > 0 ? number * 256 + value : -1;
}

/**
 * A copy of `token` that no longer points into the line it was cut from. V8 keeps a substring as a slice of its
 * parent, and the parent of a line is the whole 64 KiB chunk the line reader split: an address the detector keeps
 * for hours (a tracked source, a success) would pin that chunk (on the 1M-line bench, ~90 MB of heap), and so
 * would one the parser's connection tracker keeps while the connection is open. Copied even where the events are
 * serialised for another thread at once (replay's parser thread): there the tracker's slices pinned recent chunks
 * long enough for V8 to move them to the old generation, ~136 MB per million lines (30 MB once copied), which
 * then waited there for a full collection. The concatenation makes V8 copy the characters; the slice of that
 * small copy is what we keep. V8 makes a slice only of 13 characters or more (SlicedString::kMinLength, Node 18 to
 * 22): a shorter substring is a copy already, and most IPv4 addresses are shorter (~3% of the parser's instructions
 * on the bench's log went to copying copies).
 */
function detach(token: string): string {
  return token.length < 13 ? token : ` ${token}`.slice(1);
}

/** A dotted quad the parser validated, as an unsigned 32-bit number. */
export function ipv4Number(ip: string): number {
  let value = 0;
  let part = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46 /* . */) {
      value = value * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 48);
  }
  return value * 256 + part;
}

/** The text of ipv4Number's number: a dotted quad again. */
export function ipv4Text(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}
