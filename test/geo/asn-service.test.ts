import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { writeAsnDatabase } from '../helpers/mmdb.js';
import {
  reloadOutcome,
  runService,
  serviceFiles,
  serviceLog,
  setUpServiceDir,
  stopCleanly,
  waitFor,
} from '../service/helpers.js';

/** The service reads asn_database at start and at each SIGHUP, as it reads the rest of its configuration. */
const t = bundledCliSuite('asn-service');
const db = join(t.dir, 'GeoLite2-ASN.mmdb');

beforeAll(async () => {
  setUpServiceDir(t.dir, ['[detection]', `asn_database = ${db}`]);
  writeFileSync(join(t.dir, 'auth.log'), '');
}, 60_000);

const files = () => serviceFiles(t.dir, join(t.dir, 'auth.log'), join(t.dir, 'verdicts.log'));

describe('run with an asn_database', () => {
  it('does not start without its database, naming the key and the file', async () => {
    const out = join(t.dir, 'missing.out');
    const { child, exited, ended } = runService(t.bundle, files(), out);
    try {
      expect(await exited).toBe(1);
      expect(serviceLog(out).map((l) => l['event'])).not.toContain('service-started');
      expect(readFileSync(out, 'utf8')).toContain(`[detection] asn_database = ${db}: cannot be read (ENOENT)`);
    } finally {
      child.kill('SIGKILL');
      await ended;
    }
  }, 30_000);

  it('rereads it at SIGHUP: a damaged one fails the reload and the service runs on; a good one reloads', async () => {
    writeAsnDatabase(db, [['198.51.0.0/16', 64500]]);
    const out = join(t.dir, 'service.out');
    const service = runService(t.bundle, files(), out);
    try {
      const log = () => serviceLog(out);
      await waitFor(() => log().some((l) => l['event'] === 'service-started'), 20_000, 'service start');
      writeFileSync(db, 'not a database any more\n');
      const failed = await reloadOutcome(service);
      expect(failed.reloaded).toBe(false);
      expect('err' in failed && failed.err).toMatch(/^\[detection\] asn_database = .*: not a MaxMind DB file/);
      expect(service.child.exitCode).toBeNull();
      // The configuration's fault, not the saved state's: the campaigns' state is not thrown away for it.
      expect(log().map((l) => l['event'])).not.toContain('state-corrupt');
      writeAsnDatabase(db, [['198.51.0.0/16', 64500]]);
      expect(await reloadOutcome(service)).toEqual({ reloaded: true });
      await stopCleanly(service);
    } finally {
      // Waited for: a service a failed assertion left running writes its state in the directory that goes next.
      service.child.kill('SIGKILL');
      await service.ended;
    }
  }, 60_000);
});
