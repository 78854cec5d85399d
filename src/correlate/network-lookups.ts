import type { AsnLookup } from './asn-blocks.js';
import type { CountryLookup } from './countries.js';

/** What the service's status shows of a database file the core was given: its path, kind and build date. */
export interface DatabaseFile {
  readonly path: string;
  /** The file's database_type, e.g. GeoLite2-ASN. */
  readonly type: string;
  /** Its build date, ISO 8601. */
  readonly built: string;
}

/** A database file as `check` and `status` show it: its path, kind and build date (the day). */
export function databaseText(file: DatabaseFile): string {
  return `${file.path}: ${file.type}, built ${file.built.slice(0, 10)}`;
}

/**
 * What the detector is given of the optional local databases ([detection] asn_database, country_database), read
 * by the adapter (src/geo/network-databases.ts): pure functions of the files' bytes. Each absent without its file.
 */
export interface NetworkLookups {
  readonly asn?: AsnLookup;
  readonly country?: CountryLookup;
  /**
   * The files they were read from, each null when its key is not set: the core's status shows them, so that
   * `f2b-campaign status` says what the running service uses (read at its start or its last reload), not what is on
   * disk now.
   */
  readonly files?: { readonly asn: DatabaseFile | null; readonly country: DatabaseFile | null };
}
