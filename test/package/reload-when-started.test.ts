import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { runService, serviceFiles, serviceLog, setUpServiceDir, waitFor } from '../service/helpers.js';

// The unit's ExecReload (debian/reload-when-started), run here against the real service as systemd runs it: with the
// service's pid, at once after its launch, when node has not yet run any of the program and a SIGHUP would end it.
const SCRIPT = fileURLToPath(new URL('../../debian/reload-when-started', import.meta.url));
const t = bundledCliSuite('reload-when-started');

beforeAll(async () => {
  setUpServiceDir(t.dir, []);
  writeFileSync(join(t.dir, 'auth.log'), '');
}, 60_000);

function runScript(pid: number, tries?: number): Promise<{ code: number | null; ms: number }> {
  const began = Date.now();
  const child = spawn(SCRIPT, [String(pid), ...(tries === undefined ? [] : [String(tries)])], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, ms: Date.now() - began })));
}

/** A process's end: its exit code, or the signal that ended it. */
function ending(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
}

const asNobody = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];

describe('debian/reload-when-started (the unit’s ExecReload)', () => {
  it('sent right after the launch, the reload happens once the service has started, and it keeps running', async () => {
    const out = join(t.dir, 'service.out');
    const files = serviceFiles(t.dir, join(t.dir, 'auth.log'), join(t.dir, 'verdicts.log'));
    const { child, exited, ended } = runService(t.bundle, files, out);
    try {
      const script = await runScript(child.pid ?? 0);
      expect(script.code).toBe(0);
      // It signalled as soon as the program caught SIGHUP (its first lines), not at the end of its 30 s wait: the
      // service's runtime_dir here is not the unit's, which the script needs to know nothing of.
      expect(script.ms).toBeLessThan(5_000);
      const events = () => serviceLog(out).map((l) => l['event']);
      const reloaded = waitFor(() => events().includes('config-reloaded'), 30_000, 'the reload').then(() => 'reloaded');
      const gone = ended.then((e) => `ended by ${e.signal ?? `exit ${e.code}`}`);
      expect(await Promise.race([reloaded, gone])).toBe('reloaded');
      expect(events().indexOf('service-started')).toBeLessThan(events().indexOf('config-reloaded'));
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await ended).toEqual({ code: 0, signal: null });
    } finally {
      // Waited for: a service a failed assertion left running writes its state in the directory that goes next.
      child.kill('SIGKILL');
      await ended;
    }
  }, 60_000);

  // What systemd's new process does around the service's exec: it sets up the unit's sandbox as root, and only then
  // takes the service's user and runs node, which catches SIGHUP a moment later. Meanwhile the script (run as the
  // service's user) may not signal it, and a SIGHUP would end it. (A first version of the script took a refused
  // `kill -0` for a process that had gone, and sent nothing: seen in a CI run of the booted package test.)
  it('waits through the root moment and the start, and signals once the process catches SIGHUP', async () => {
    // Root for 1 s, then nobody, catching SIGHUP (and exiting 7 on it) 1 s after that.
    const inner = 'sleep 1; trap "exit 7" HUP; while :; do sleep 0.05; done';
    const target = spawn('sh', ['-c', `sleep 1; exec setpriv ${asNobody.join(' ')} sh -c '${inner}'`], {
      stdio: 'ignore',
    });
    const end = ending(target);
    try {
      const began = Date.now();
      const script = spawn('setpriv', [...asNobody, SCRIPT, String(target.pid), '100'], { stdio: 'ignore' });
      expect(await ending(script)).toBe('exit 0');
      expect(Date.now() - began).toBeGreaterThanOrEqual(1900);
      // Its own handler ran: not ended by the signal's default.
      expect(await end).toBe('exit 7');
      expect(Date.now() - began).toBeLessThan(6000);
    } finally {
      target.kill('SIGKILL');
    }
  }, 30_000);

  it('sends nothing to a process that never catches SIGHUP, and fails (systemd reports the reload failed)', async () => {
    const target = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const r = await runScript(target.pid ?? 0, 5);
      expect(r.code).toBe(1);
      expect(r.ms).toBeGreaterThanOrEqual(400);
      expect(target.exitCode).toBeNull();
      expect(target.signalCode).toBeNull();
    } finally {
      target.kill('SIGKILL');
    }
  });

  it('fails, after its wait, for a process that has gone', async () => {
    const gone = spawnSync('true').pid;
    const r = await runScript(gone, 5);
    expect(r.code).toBe(1);
    expect(r.ms).toBeGreaterThanOrEqual(400);
  });
});
