import { spawn } from 'node:child_process';
import { lutimesSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import {
  runService,
  type ServiceProcess,
  serviceFiles,
  serviceLog,
  setUpServiceDir,
  sleep,
  waitFor,
} from './helpers.js';

/**
 * The bundled program started on a state directory where a crash left the lock and a takeover's claim on it, the
 * claim's taker dead too and its pid given since to a program that runs on (one whose command line names
 * f2b-campaign, as `tail -f /var/log/f2b-campaign/verdicts.log` does). Until 2026-11-24 every start waited ~2 s and
 * exited 1 (`other starts keep taking it`), for as long as that program ran: the service never started.
 */
const t = bundledCliSuite('lock-claim');

describe("run over a stale lock and a dead taker's claim whose pid another program now has", () => {
  it('starts, taking the claim and the lock over', async () => {
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'f2b-campaign'], { stdio: 'ignore' });
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    let service: ServiceProcess | undefined;
    try {
      await sleep(200);
      const dir = t.dir;
      setUpServiceDir(dir, []);
      const state = join(dir, 'state');
      mkdirSync(state, { mode: 0o750 });
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const stale = `${gone.pid} ${boot}`;
      symlinkSync(stale, join(state, 'run.lock'));
      const claim = join(state, `run.lock.${stale.replace(' ', '_')}.taking`);
      symlinkSync(`${other.pid} ${boot}`, claim);
      // Made (by the taker that died) a minute before that program started.
      const before = new Date(Date.now() - 60_000);
      lutimesSync(claim, before, before);
      writeFileSync(join(dir, 'auth.log'), '');
      const run = runService(
        t.bundle,
        serviceFiles(dir, join(dir, 'auth.log'), join(dir, 'verdicts.log')),
        join(dir, 'run.out'),
      );
      service = run;
      const started = () => serviceLog(run.out).some((l) => l['event'] === 'service-started');
      const ended = run.ended.then(() => true);
      await Promise.race([waitFor(started, 15_000, 'the start'), ended]);
      const out = readFileSync(run.out, 'utf8');
      expect(out).not.toContain('other starts keep taking it');
      expect(started()).toBe(true);
      expect(readlinkSync(join(state, 'run.lock'))).toBe(`${run.child.pid} ${boot}`);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      other.kill();
      // Waited for: a service a failed assertion left running writes its state in the directory that goes next.
      service?.child.kill('SIGKILL');
      await service?.ended;
    }
  }, 60_000);
});
