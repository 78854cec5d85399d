import { AddressMemo } from './address-memo.js';

/** An address's country (ISO 3166 code), or undefined: read by an adapter (src/geo/) from a local database. */
export type CountryLookup = (ip: string) => string | undefined;

/**
 * The countries of a campaign's members, for its CAMPAIGN lines only ("47 addresses in 12 countries"): a country
 * holds users and attackers alike, so it never counts toward a ban. Each address is looked up once.
 */
export class Countries {
  private readonly memo: AddressMemo | undefined;

  constructor(lookup?: CountryLookup) {
    this.memo = lookup && new AddressMemo(lookup);
  }

  get enabled(): boolean {
    return this.memo !== undefined;
  }

  /** Distinct countries among the addresses (those the database does not place are not counted). */
  among(ips: Iterable<string>): number {
    const seen = new Set<string>();
    for (const ip of ips) {
      const country = this.of(ip);
      if (country !== '') seen.add(country);
    }
    return seen.size;
  }

  private of(ip: string): string {
    return this.memo?.of(ip) ?? '';
  }
}
