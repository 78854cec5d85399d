import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Resolves a host name to its addresses (IPv4 and IPv6), as fail2ban's DNSUtils.dnsToIp does. */
export type HostLookup = (name: string) => Promise<readonly string[]>;

export const dnsLookup: HostLookup = async (name) =>
  (await lookup(name, { all: true, verbatim: true })).map((entry) => entry.address);

export interface IgnoreipReading {
  /** Addresses and CIDR blocks in the form the never-ban rule reads, each name followed by its addresses. */
  readonly entries: string[];
  /** Entries that protect nothing here although they are in fail2ban's ignoreip: each says why. */
  readonly warnings: string[];
  /** Host names that resolved (fail2ban resolves them again at each ban; f2b-campaign only when it reads them). */
  readonly resolvedNames: string[];
}

/** A netmask (`255.255.255.0`, `ffff:ffff::`) as a prefix length, or null when it is not contiguous ones. */
function maskToPrefix(mask: string): number | null {
  const family = isIP(mask);
  if (family === 0) return null;
  let bits: string;
  if (family === 4) {
    bits = mask
      .split('.')
      .map((octet) => Number(octet).toString(2).padStart(8, '0'))
      .join('');
  } else {
    const [head = '', tail = ''] = mask.split('::');
    const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
    const left = groups(head);
    const right = mask.includes('::') ? groups(tail) : [];
    const all = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
    bits = all.map((group) => Number.parseInt(group, 16).toString(2).padStart(16, '0')).join('');
  }
  const ones = bits.indexOf('0');
  return /^1*0*$/.test(bits) ? (ones < 0 ? bits.length : ones) : null;
}

async function resolveName(name: string, resolve: HostLookup, timeoutMs: number): Promise<string[] | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((done) => {
    timer = setTimeout(() => done(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
    timer.unref();
  });
  try {
    const answer = await Promise.race([resolve(name).then((addresses) => [...addresses]), timeout]);
    return typeof answer === 'string' || answer.length > 0 ? answer : 'no address';
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * fail2ban's `ignoreip` words as fail2ban reads them (server/ipdns.py, IPAddr): `[2001:db8::1]` without its
 * brackets, `192.0.2.0/255.255.255.0` as `192.0.2.0/24`, and a word that is no address a host name, which fail2ban
 * resolves whenever it is about to ban. Names are resolved here (all their IPv4 and IPv6 addresses) so that the
 * never-ban rule protects the same addresses; a name that does not resolve and a mask that is not one are reported.
 */
export async function readIgnoreip(
  words: readonly string[],
  resolve: HostLookup = dnsLookup,
  timeoutMs = 5_000,
): Promise<IgnoreipReading> {
  interface Part {
    readonly entries: string[];
    readonly warning?: string;
    readonly resolved?: string;
  }
  // In the order of the words, whatever order the answers come in.
  const parts = await Promise.all(
    words.map(async (word): Promise<Part> => {
      const bare = word.length > 2 && word.startsWith('[') && word.endsWith(']') ? word.slice(1, -1) : word;
      const slash = bare.indexOf('/');
      const address = slash < 0 ? bare : bare.slice(0, slash);
      const suffix = slash < 0 ? undefined : bare.slice(slash + 1);
      if (isIP(address) !== 0) {
        if (suffix === undefined || /^\d+$/.test(suffix)) return { entries: [bare] };
        const prefix = maskToPrefix(suffix);
        if (prefix === null) {
          return {
            entries: [word],
            warning: `ignoreip ${word}: ${suffix} is not a netmask, so it protects nothing (fail2ban rejects it)`,
          };
        }
        return { entries: [`${address}/${prefix}`] };
      }
      // fail2ban looks a word that is no address up by name, a mask after it ignored.
      const answer = await resolveName(address, resolve, timeoutMs);
      if (typeof answer === 'string') {
        return {
          entries: [word],
          warning: `ignoreip ${word} does not resolve (${answer}): it protects no address until it does`,
        };
      }
      return { entries: [word, ...answer], resolved: address };
    }),
  );
  return {
    entries: parts.flatMap((part) => part.entries),
    warnings: parts.flatMap((part) => (part.warning === undefined ? [] : [part.warning])),
    resolvedNames: parts.flatMap((part) => (part.resolved === undefined ? [] : [part.resolved])),
  };
}
