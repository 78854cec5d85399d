import { familyOf } from './ip-prefix.js';

/** Addresses whose answer is remembered; past this the memory starts afresh (a flood of new sources). */
const MAX_KNOWN = 65_536;

/**
 * A local database's answer for an address ('' for none), asked once per address: the lookups are pure but not
 * cheap, and the detector asks again at each of a source's attempts. What is not an address (a host name from
 * UseDNS) is never looked up.
 */
export class AddressMemo {
  private readonly known = new Map<string, string>();

  constructor(private readonly lookup: (ip: string) => string | undefined) {}

  of(ip: string): string {
    let answer = this.known.get(ip);
    if (answer === undefined) {
      if (this.known.size >= MAX_KNOWN) this.known.clear();
      answer = (familyOf(ip) === 0 ? undefined : this.lookup(ip)) ?? '';
      this.known.set(ip, answer);
    }
    return answer;
  }
}
