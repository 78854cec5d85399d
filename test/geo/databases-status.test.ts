import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { writeAsnDatabase, writeMmdb } from '../helpers/mmdb.js';
import {
  reloadOutcome,
  runService,
  serviceFiles,
  serviceLog,
  setUpServiceDir,
  stopCleanly,
  waitFor,
} from '../service/helpers.js';

/**
 * `f2b-campaign status` of a running service shows the databases the service uses: those it read at its start or
 * at its last reload, not the files as they are on disk when status runs.
 */
const t = bundledCliSuite('databases-status');
const runtime = join(t.dir, 'run');
const asn = join(t.dir, 'GeoLite2-ASN.mmdb');
const country = join(t.dir, 'GeoLite2-Country.mmdb');
const MARCH = new Date('2026-03-01T06:00:00Z');
const APRIL = new Date('2026-04-01T06:00:00Z');

beforeAll(async () => {
  setUpServiceDir(t.dir, ['[detection]', `asn_database = ${asn}`]);
  writeFileSync(join(t.dir, 'auth.log'), '');
}, 60_000);

/** `status`'s lines about the databases. */
async function shown(): Promise<string[]> {
  const r = await t.run(['status', '--runtime-dir', runtime]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((line) => line.includes('_database: '));
}

/** Waits until the service has rewritten its status file (every 5 s) since now. */
async function nextStatus(): Promise<void> {
  const updatedAt = () =>
    (JSON.parse(readFileSync(join(runtime, 'status.json'), 'utf8')) as { updatedAt: string }).updatedAt;
  const since = updatedAt();
  await waitFor(() => updatedAt() !== since, 15_000, 'the next status');
}

describe('status with the optional databases', () => {
  it('shows each database the service read (path, type, build date, or none) until a reload reads them again', async () => {
    writeAsnDatabase(asn, [['198.51.0.0/16', 64500]], MARCH);
    const out = join(t.dir, 'service.out');
    const files = serviceFiles(t.dir, join(t.dir, 'auth.log'), join(t.dir, 'verdicts.log'));
    const service = runService(t.bundle, files, out);
    try {
      const log = () => serviceLog(out);
      const events = (name: string) => log().filter((l) => l['event'] === name).length;
      await waitFor(() => events('service-started') > 0, 20_000, 'service start');
      const atStart = [`|  |- asn_database: ${asn}: GeoLite2-ASN, built 2026-03-01`, '|  |- country_database: none'];
      expect(await shown()).toEqual(atStart);
      const json = await t.run(['status', '--runtime-dir', runtime, '--json']);
      expect(JSON.parse(json.stdout).core.databases).toEqual({
        asn: { path: asn, type: 'GeoLite2-ASN', built: '2026-03-01T06:00:00.000Z' },
        country: null,
      });

      // A newer build and a country database, on disk and in the configuration: not read until a reload.
      writeAsnDatabase(asn, [['198.51.0.0/16', 64500]], APRIL);
      writeMmdb(country, 'GeoLite2-Country', [['198.51.0.0/16', { country: { iso_code: 'NL' } }]], APRIL);
      appendFileSync(join(t.dir, 'f2b-campaign.conf'), `country_database = ${country}\n`);
      await nextStatus();
      expect(await shown()).toEqual(atStart);

      expect(await reloadOutcome(service)).toEqual({ reloaded: true });
      await nextStatus();
      const reloaded = [
        `|  |- asn_database: ${asn}: GeoLite2-ASN, built 2026-04-01`,
        `|  |- country_database: ${country}: GeoLite2-Country, built 2026-04-01`,
      ];
      expect(await shown()).toEqual(reloaded);

      // A reload that fails keeps the databases in force, and status goes on showing them.
      writeFileSync(country, 'not a database any more\n');
      expect((await reloadOutcome(service)).reloaded).toBe(false);
      await nextStatus();
      expect(await shown()).toEqual(reloaded);
      await stopCleanly(service);
    } finally {
      // Waited for: a service a failed assertion left running writes its status in the directory that goes next.
      service.child.kill('SIGKILL');
      await service.ended;
    }
  }, 120_000);
});
