import { familyOf } from './ip-prefix.js';

/** An address's country (ISO 3166 code), or undefined: read by an adapter (src/geo/) from a local database. */
export type CountryLookup = (ip: string) => string | undefined;

/** Addresses whose country is remembered; past this the memory starts afresh. */
const MAX_KNOWN = 65_536;

/**
 * The countries of a campaign's members, for its CAMPAIGN lines only ("47 addresses in 12 countries"): a country
 * holds users and attackers alike, so it never counts toward a ban. Each address is looked up once.
 */
export class Countries {
  private readonly known = new Map<string, string>();

  constructor(private readonly lookup?: CountryLookup) {}

  get enabled(): boolean {
    return this.lookup !== undefined;
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
    if (this.lookup === undefined) return '';
    let country = this.known.get(ip);
    if (country === undefined) {
      if (this.known.size >= MAX_KNOWN) this.known.clear();
      country = (familyOf(ip) === 0 ? undefined : this.lookup(ip)) ?? '';
      this.known.set(ip, country);
    }
    return country;
  }
}
