import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader } from 'mmdb-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { F2bCampaignError } from '../../src/core/errors.js';
import { networkDatabasesOf, openAsnDatabase, openCountryDatabase } from '../../src/geo/network-databases.js';
import { writeAsnDatabase, writeMmdb } from '../helpers/mmdb.js';

const dir = mkdtempSync(join(tmpdir(), 'f2b-geo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Databases written by MaxMind's own writer (test/helpers/make-mmdb.pl). */
const asnFile = writeAsnDatabase(join(dir, 'asn.mmdb'), [
  ['198.51.0.0/16', 64500],
  ['203.0.113.0/24', 64501],
  ['2001:db8::/32', 64502],
]);

const countryFile = writeMmdb(join(dir, 'country.mmdb'), 'GeoLite2-Country', [
  ['198.51.0.0/16', { country: { iso_code: 'NL' } }],
  ['2001:db8::/32', { country: { iso_code: 'DE' } }],
]);

function refusal(run: () => unknown): F2bCampaignError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(F2bCampaignError);
    expect((error as F2bCampaignError).code).toBe('BAD_DATABASE_FILE');
    return error as F2bCampaignError;
  }
  throw new Error('the database was accepted');
}

describe('asn_database (MaxMind DB file)', () => {
  it("answers an IPv4 address's and an IPv6 address's autonomous system, and nothing for one it does not hold", () => {
    const db = openAsnDatabase(asnFile);
    expect(db.lookup('198.51.7.9')).toBe(64500);
    expect(db.lookup('203.0.113.200')).toBe(64501);
    expect(db.lookup('2001:db8:4b2:10::7')).toBe(64502);
    expect(db.lookup('192.0.2.1')).toBeUndefined();
    expect(db.lookup('2a00:1450::1')).toBeUndefined();
    expect(db.lookup('not-an-address')).toBeUndefined();
  });

  it("shows the file's metadata: its type and build date", () => {
    const db = openAsnDatabase(asnFile);
    expect(db.type).toBe('GeoLite2-ASN');
    expect(Math.abs(db.built.getTime() - Date.now())).toBeLessThan(10 * 60_000);
  });

  it('is read only when configured', () => {
    expect(networkDatabasesOf({})).toEqual({});
    expect(networkDatabasesOf({ asn_database: '', country_database: '' })).toEqual({});
    expect(networkDatabasesOf({ asn_database: asnFile }).asn?.lookup('198.51.0.1')).toBe(64500);
  });

  it('refuses a missing file, naming the key and the path', () => {
    const missing = join(dir, 'nope.mmdb');
    expect(refusal(() => openAsnDatabase(missing)).message).toBe(
      `[detection] asn_database = ${missing}: cannot be read (ENOENT)`,
    );
  });

  it('refuses a file that is not a MaxMind DB, and a cut one', () => {
    const text = join(dir, 'text.mmdb');
    writeFileSync(text, 'GeoLite2-ASN\n'.repeat(100));
    expect(refusal(() => openAsnDatabase(text)).message).toMatch(/: not a MaxMind DB file \(/);
    const cut = join(dir, 'cut.mmdb');
    writeFileSync(cut, readFileSync(asnFile).subarray(0, 600));
    expect(refusal(() => openAsnDatabase(cut)).message).toMatch(/: not a MaxMind DB file \(/);
  });

  it('refuses a file whose search tree is damaged, at start rather than at an address mid-run', () => {
    const bytes = Buffer.from(readFileSync(asnFile));
    bytes.fill(0xff, 0, 300); // the first nodes point far past the tree and the data
    const damaged = join(dir, 'damaged.mmdb');
    writeFileSync(damaged, bytes);
    expect(refusal(() => openAsnDatabase(damaged)).message).toMatch(/: is damaged \(/);
  });

  it('places nothing, and throws nothing, where damage lies beyond what is checked at start', () => {
    // The records of the file's own networks zeroed: the probes at start do not reach them, a lookup mid-run does.
    const bytes = Buffer.from(readFileSync(asnFile));
    const reader = new Reader(bytes);
    const dataStart = (reader.metadata.nodeCount * reader.metadata.recordSize) / 4 + 16;
    bytes.fill(0, dataStart, bytes.indexOf(Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1')));
    const damaged = join(dir, 'damaged-data.mmdb');
    writeFileSync(damaged, bytes);
    const db = openAsnDatabase(damaged);
    expect(() => new Reader(bytes).get('198.51.7.9')).toThrow(); // what the lookup is guarded against
    expect(db.lookup('198.51.7.9')).toBeUndefined();
    expect(db.lookup('2001:db8::1')).toBeUndefined();
  });

  it('refuses a country database given as the ASN one, and the other way round', () => {
    expect(refusal(() => openAsnDatabase(countryFile)).message).toMatch(
      /^\[detection\] asn_database = .*: is a GeoLite2-Country database, which has no autonomous systems/,
    );
    expect(refusal(() => openCountryDatabase(asnFile)).message).toMatch(
      /^\[detection\] country_database = .*: is a GeoLite2-ASN database, which has no countries/,
    );
    // A City file as the ASN one, an ISP file as the country one: accepted, every lookup would find nothing.
    const city = writeMmdb(join(dir, 'city.mmdb'), 'GeoLite2-City', [
      ['198.51.0.0/16', { country: { iso_code: 'NL' } }],
    ]);
    expect(refusal(() => openAsnDatabase(city)).message).toMatch(
      /: is a GeoLite2-City database, which has no autonomous/,
    );
    const isp = writeMmdb(join(dir, 'isp.mmdb'), 'GeoIP2-ISP', [
      ['198.51.0.0/16', { autonomous_system_number: 64500 }],
    ]);
    expect(refusal(() => openCountryDatabase(isp)).message).toMatch(
      /: is a GeoIP2-ISP database, which has no countries/,
    );
    expect(openAsnDatabase(isp).lookup('198.51.0.1')).toBe(64500);
  });

  it('takes AS 0 (no autonomous system: RFC 7607) as none, not as one provider holding every such address', () => {
    const db = openAsnDatabase(
      writeAsnDatabase(join(dir, 'as0.mmdb'), [
        ['198.51.0.0/16', 0],
        ['203.0.113.0/24', 64501],
      ]),
    );
    expect(db.lookup('198.51.7.9')).toBeUndefined();
    expect(db.lookup('203.0.113.9')).toBe(64501);
  });
});

describe('the MaxMind DB layouts a database comes in', () => {
  it("reads each record size MaxMind's writer makes (24, 28 and 32 bits), IPv4 and IPv6 addresses alike", () => {
    for (const recordSize of [24, 28, 32] as const) {
      const db = openAsnDatabase(
        writeAsnDatabase(
          join(dir, `asn-${recordSize}.mmdb`),
          [
            ['198.51.0.0/16', 64500],
            ['198.51.100.0/24', 64510],
            ['2001:db8::/32', 64502],
          ],
          undefined,
          { recordSize },
        ),
      );
      const found = ['198.51.7.9', '198.51.100.7', '198.52.0.1', '2001:db8:4b2::7', '2001:db9::1'].map(db.lookup);
      expect(found, `record size ${recordSize}`).toEqual([64500, 64510, undefined, 64502, undefined]);
    }
  });

  it('answers nothing for an IPv6 address from an IPv4-only file, not the record of the IPv4 address its first bits spell', () => {
    // Some databases come as one file per address family; MaxMind's writer makes such a file with ip_version 4.
    const db = openCountryDatabase(
      writeMmdb(
        join(dir, 'country-ipv4.mmdb'),
        'GeoLite2-Country',
        [
          ['32.0.0.0/8', { country: { iso_code: 'US' } }],
          ['198.51.0.0/16', { country: { iso_code: 'NL' } }],
        ],
        undefined,
        { ipVersion: 4 },
      ),
    );
    expect(db.lookup('198.51.7.9')).toBe('NL');
    expect(db.lookup('32.1.13.184')).toBe('US');
    // 2001:0db8:: begins with the bits of 32.1.13.184.
    expect(db.lookup('2001:db8::1')).toBeUndefined();
    expect(db.lookup('::ffff:198.51.7.9')).toBeUndefined();
  });
});

describe('country_database (MaxMind DB file)', () => {
  it("answers an IPv4 address's and an IPv6 address's country, and nothing for one it does not hold", () => {
    const db = openCountryDatabase(countryFile);
    expect(db.type).toBe('GeoLite2-Country');
    expect(db.lookup('198.51.7.9')).toBe('NL');
    expect(db.lookup('2001:db8::1')).toBe('DE');
    expect(db.lookup('203.0.113.1')).toBeUndefined();
    expect(networkDatabasesOf({ country_database: countryFile }).country?.lookup('198.51.0.1')).toBe('NL');
  });

  it('refuses a missing file, naming its key', () => {
    expect(refusal(() => openCountryDatabase(join(dir, 'none.mmdb'))).message).toMatch(
      /^\[detection\] country_database = .*none\.mmdb: cannot be read \(ENOENT\)$/,
    );
  });
});
