import { AddressMemo } from './address-memo.js';
import type { BlockKey } from './ip-prefix.js';

/**
 * The autonomous system an address belongs to, or undefined when the database has none for it: a pure function of
 * the database's bytes, read by an adapter (src/geo/network-databases.ts) and given to the core.
 */
export type AsnLookup = (ip: string) => number | undefined;

/**
 * An address's autonomous system as a locality block, `AS64500`: a third block beside the /24 and the /16, for a
 * fleet spread over several of one provider's ranges. The text is the key (a string, as IPv6 blocks are), so
 * campaigns, snapshots and verdicts carry it as they carry a CIDR. Each address is looked up once, not at each of
 * its attempts: the locality signal asks at every attempt. Without a database every address has no block, at once.
 */
export class AsnBlocks {
  private readonly memo: AddressMemo | undefined;

  constructor(lookup?: AsnLookup) {
    this.memo =
      lookup &&
      new AddressMemo((ip) => {
        const asn = lookup(ip);
        return asn === undefined ? undefined : `AS${asn}`;
      });
  }

  /** Whether a database was given: callers skip the block entirely otherwise. */
  get enabled(): boolean {
    return this.memo !== undefined;
  }

  /** `AS<number>` for the address, or '' (no database, not an address, or not in the database). */
  of(ip: string): BlockKey {
    return this.memo?.of(ip) ?? '';
  }
}

/** No database: what the detector uses when none is given. */
export const NO_ASN = new AsnBlocks();
