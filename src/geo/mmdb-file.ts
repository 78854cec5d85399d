import { readFileSync } from 'node:fs';
import { Reader, type Response } from 'mmdb-lib';
import { F2bCampaignError } from '../core/errors.js';

/** A MaxMind DB file read into memory: what `check` shows of it, and a lookup of one field of its records. */
export interface NetworkDatabase<T> {
  readonly path: string;
  /** The metadata's database_type, e.g. GeoLite2-ASN. */
  readonly type: string;
  /** The metadata's build_epoch. */
  readonly built: Date;
  /** The field for the address, or undefined (not in the file, not an address, or no such field). Never throws. */
  readonly lookup: (ip: string) => T | undefined;
}

/** What a database holds for its key: the field read from a record, and the database types that cannot have it. */
export interface DatabaseKind<T> {
  /** The [detection] key that names the file, for messages. */
  readonly key: string;
  /** The field of a record, or undefined: records are the file's, so nothing in them is taken on trust. */
  readonly field: (record: unknown) => T | undefined;
  /** A database_type that cannot be this kind (a country file given as the ASN one), and what would do. */
  readonly wrongType: (type: string) => string | null;
}

/** Addresses looked up when the file is read, so that a damaged tree or data section is found at start. */
const PROBES = ['1.1.1.1', '8.8.8.8', '193.0.6.139', '2001:4860:4860::8888', '2a00:1450::1'];

/**
 * Reads a MaxMind-format database whole, once (at start and at each reload, never per address). A missing,
 * unreadable or damaged file is an error here, naming the key and the file. The lookup then never throws: the
 * bytes are in memory and do not change, and an address the damaged part of a file cannot answer has nothing.
 */
export function openDatabase<T>(path: string, kind: DatabaseKind<T>): NetworkDatabase<T> {
  const unusable = (why: string, cause?: unknown) =>
    new F2bCampaignError('BAD_DATABASE_FILE', `[detection] ${kind.key} = ${path}: ${why}`, { cause });
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw unusable(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, error);
  }
  let reader: Reader<Response>;
  try {
    reader = new Reader<Response>(bytes);
  } catch (error) {
    throw unusable(`not a MaxMind DB file (${(error as Error).message})`, error);
  }
  const type = reader.metadata.databaseType;
  const wrong = kind.wrongType(type);
  if (wrong !== null) throw unusable(`is a ${type} database, ${wrong}`);
  // An IPv4-only tree (ip_version 4, as in a database sold or built one file per address family) has no IPv6 address:
  // mmdb-lib would walk an IPv6 address's first 32 bits as an IPv4 address and answer with that one's record
  // (2001:db8::1 as 32.1.13.184's), where MaxMind's own readers refuse the lookup. Found in a mutation audit
  // (2026-11-25).
  const ipv4Only = reader.metadata.ipVersion === 4;
  const read = (ip: string): T | undefined => (ipv4Only && ip.includes(':') ? undefined : kind.field(reader.get(ip)));
  try {
    for (const ip of PROBES) read(ip);
  } catch (error) {
    throw unusable(`is damaged (${(error as Error).message})`, error);
  }
  return {
    path,
    type,
    built: reader.metadata.buildEpoch,
    lookup: (ip) => {
      try {
        return read(ip);
      } catch {
        return undefined;
      }
    },
  };
}
