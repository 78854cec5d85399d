import { readFileSync } from 'node:fs';
import { type AsnResponse, Reader } from 'mmdb-lib';
import { F2bCampaignError } from '../core/errors.js';
import type { AsnLookup } from '../correlate/asn-blocks.js';
import { setting } from '../correlate/settings.js';
import { ASN_DATABASE_KEY } from '../correlate/signals/locality.js';

/** An ASN database read into memory: what `check` shows of it, and the lookup the core is given. */
export interface AsnDatabase {
  readonly path: string;
  /** The metadata's database_type, e.g. GeoLite2-ASN. */
  readonly type: string;
  /** The metadata's build_epoch. */
  readonly built: Date;
  readonly lookup: AsnLookup;
}

/** What a record may hold: the file is not ours, so the type the library declares is not taken on trust. */
interface AsnRecord {
  readonly autonomous_system_number?: unknown;
}

/** Addresses looked up when the file is read, so that a damaged tree or data section is found at start. */
const PROBES = ['1.1.1.1', '8.8.8.8', '193.0.6.139', '2001:4860:4860::8888', '2a00:1450::1'];

function unusable(path: string, why: string, cause?: unknown): F2bCampaignError {
  return new F2bCampaignError('BAD_ASN_DATABASE', `[detection] asn_database = ${path}: ${why}`, { cause });
}

/**
 * Reads a MaxMind-format ASN database (GeoLite2-ASN, GeoIP2-ISP, DB-IP's ASN Lite: records with an
 * autonomous_system_number) whole, once: at start and at each reload, never per address. A missing, unreadable or
 * damaged file is an error here, naming the key and the file. The lookup then never throws: the file's bytes are
 * in memory and do not change, and an address the damaged part of a file cannot answer has no system.
 */
export function openAsnDatabase(path: string): AsnDatabase {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw unusable(
      path,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      error,
    );
  }
  let reader: Reader<AsnResponse>;
  try {
    reader = new Reader<AsnResponse>(bytes);
  } catch (error) {
    throw unusable(path, `not a MaxMind DB file (${(error as Error).message})`, error);
  }
  const type = reader.metadata.databaseType;
  if (/country|city/i.test(type) && !/asn|isp|enterprise/i.test(type)) {
    throw unusable(path, `is a ${type} database, which has no autonomous systems (GeoLite2-ASN has)`);
  }
  const asnOf = (ip: string): number | undefined => {
    const asn = (reader.get(ip) as AsnRecord | null)?.autonomous_system_number;
    return typeof asn === 'number' && Number.isInteger(asn) && asn > 0 ? asn : undefined;
  };
  try {
    for (const ip of PROBES) asnOf(ip);
  } catch (error) {
    throw unusable(path, `is damaged (${(error as Error).message})`, error);
  }
  return {
    path,
    type,
    built: reader.metadata.buildEpoch,
    lookup: (ip) => {
      try {
        return asnOf(ip);
      } catch {
        return undefined;
      }
    },
  };
}

/** The [detection] section's asn_database, read; undefined when none is configured. */
export function asnDatabaseOf(detection: Readonly<Record<string, unknown>>): AsnDatabase | undefined {
  const path = setting(detection, ASN_DATABASE_KEY);
  return path === '' ? undefined : openAsnDatabase(path);
}
