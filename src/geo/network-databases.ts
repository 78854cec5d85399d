import type { DatabaseFile, NetworkLookups } from '../correlate/network-lookups.js';
import { setting } from '../correlate/settings.js';
import { ASN_DATABASE_KEY, COUNTRY_DATABASE_KEY } from '../correlate/signals/locality.js';
import { type DatabaseKind, type NetworkDatabase, openDatabase } from './mmdb-file.js';

/** ASN databases: GeoLite2-ASN, GeoIP2-ISP, DB-IP's ASN Lite (records with an autonomous_system_number). */
const ASN: DatabaseKind<number> = {
  key: ASN_DATABASE_KEY.key,
  field: (record) => {
    const asn = (record as { autonomous_system_number?: unknown } | null)?.autonomous_system_number;
    return typeof asn === 'number' && Number.isInteger(asn) && asn > 0 ? asn : undefined;
  },
  wrongType: (type) =>
    /country|city/i.test(type) && !/asn|isp|enterprise/i.test(type)
      ? 'which has no autonomous systems (GeoLite2-ASN has)'
      : null,
};

/** Country databases: GeoLite2-Country or -City, DB-IP's Country Lite (records with country.iso_code). */
const COUNTRY: DatabaseKind<string> = {
  key: COUNTRY_DATABASE_KEY.key,
  field: (record) => {
    const code = (record as { country?: { iso_code?: unknown } } | null)?.country?.iso_code;
    return typeof code === 'string' && /^[A-Z]{2}$/.test(code) ? code : undefined;
  },
  wrongType: (type) =>
    /asn|isp/i.test(type) && !/country|city|enterprise/i.test(type)
      ? 'which has no countries (GeoLite2-Country has)'
      : null,
};

export function openAsnDatabase(path: string): NetworkDatabase<number> {
  return openDatabase(path, ASN);
}

export function openCountryDatabase(path: string): NetworkDatabase<string> {
  return openDatabase(path, COUNTRY);
}

/** The [detection] section's databases, each read when configured. */
export function networkDatabasesOf(detection: Readonly<Record<string, unknown>>): {
  readonly asn?: NetworkDatabase<number>;
  readonly country?: NetworkDatabase<string>;
} {
  const asn = setting(detection, ASN_DATABASE_KEY);
  const country = setting(detection, COUNTRY_DATABASE_KEY);
  return {
    ...(asn === '' ? {} : { asn: openAsnDatabase(asn) }),
    ...(country === '' ? {} : { country: openCountryDatabase(country) }),
  };
}

/** The configured databases, read, as the core's lookups, with the files they came from for its status. */
export function networkLookupsOf(detection: Readonly<Record<string, unknown>>): NetworkLookups {
  const dbs = networkDatabasesOf(detection);
  return {
    ...(dbs.asn ? { asn: dbs.asn.lookup } : {}),
    ...(dbs.country ? { country: dbs.country.lookup } : {}),
    files: {
      asn: dbs.asn ? databaseFile(dbs.asn) : null,
      country: dbs.country ? databaseFile(dbs.country) : null,
    },
  };
}

/** What the core's status and `check` say of a database: its path, kind and build date. */
export function databaseFile(db: NetworkDatabase<unknown>): DatabaseFile {
  return { path: db.path, type: db.type, built: db.built.toISOString() };
}
