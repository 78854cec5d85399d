import { AddressMemo } from './address-memo.js';

/** An address's country (ISO 3166 code), or undefined: read by an adapter (src/geo/) from a local database. */
export type CountryLookup = (ip: string) => string | undefined;

/**
 * The countries of a campaign's members, for its CAMPAIGN lines only ("47 addresses in 12 countries"): a country
 * holds users and attackers alike, so it never counts toward a ban. A campaign keeps the set of its members'
 * countries (campaign.ts), added to as each member joins. Each address is looked up once.
 */
export class Countries {
  private readonly memo: AddressMemo | undefined;

  constructor(lookup?: CountryLookup) {
    this.memo = lookup && new AddressMemo(lookup);
  }

  get enabled(): boolean {
    return this.memo !== undefined;
  }

  /** Adds the address's country to `seen`; one the database does not place (or none without it) adds nothing. */
  note(seen: Set<string>, ip: string): void {
    const country = this.memo?.of(ip) ?? '';
    if (country !== '') seen.add(country);
  }
}
