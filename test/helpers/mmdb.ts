import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WRITER = fileURLToPath(new URL('make-mmdb.pl', import.meta.url));

/** One network of a test database and its record, e.g. ['198.51.0.0/16', { autonomous_system_number: 64500 }]. */
export type MmdbNetwork = [string, Record<string, unknown>];

/** How the tree is laid out: bits per record (GeoLite2-ASN and -Country 24, -City 28), and 4 for an IPv4-only tree. */
export interface MmdbLayout {
  readonly recordSize?: 24 | 28 | 32;
  readonly ipVersion?: 4 | 6;
}

/**
 * Writes a MaxMind DB file at `path` with MaxMind's own writer (MaxMind::DB::Writer::Tree, make-mmdb.pl): by default
 * record size 24, IPv6 with IPv4 mapped, as GeoLite2's files are. Built now, or at `built` (whole seconds).
 */
export function writeMmdb(
  path: string,
  type: string,
  networks: readonly MmdbNetwork[],
  built?: Date,
  layout: MmdbLayout = {},
): string {
  const spec = {
    type,
    networks,
    ...(built ? { build_epoch: Math.floor(built.getTime() / 1000) } : {}),
    ...(layout.recordSize ? { record_size: layout.recordSize } : {}),
    ...(layout.ipVersion ? { ip_version: layout.ipVersion } : {}),
  };
  execFileSync('perl', [WRITER, path], { input: JSON.stringify(spec) });
  return path;
}

/** An ASN database: each CIDR's autonomous system. */
export function writeAsnDatabase(
  path: string,
  systems: ReadonlyArray<[string, number]>,
  built?: Date,
  layout: MmdbLayout = {},
): string {
  return writeMmdb(
    path,
    'GeoLite2-ASN',
    systems.map(([cidr, asn]) => [
      cidr,
      { autonomous_system_number: asn, autonomous_system_organization: `Test AS${asn}` },
    ]),
    built,
    layout,
  );
}
