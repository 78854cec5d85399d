import type { AsnLookup } from './asn-blocks.js';
import type { CountryLookup } from './countries.js';

/**
 * What the detector is given of the optional local databases ([detection] asn_database, country_database), read
 * by the adapter (src/geo/network-databases.ts): pure functions of the files' bytes. Each absent without its file.
 */
export interface NetworkLookups {
  readonly asn?: AsnLookup;
  readonly country?: CountryLookup;
}
