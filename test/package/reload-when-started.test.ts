import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../helpers/bundle-cli.js';
import { runService, serviceFiles, serviceLog, setUpServiceDir, tempDir, waitFor } from '../service/helpers.js';

// The unit's ExecReload (debian/reload-when-started), run here against the real service as systemd runs it: with the
// service's pid, at once after its launch, when node has not yet run any of the program and a SIGHUP would end it.
const SCRIPT = fileURLToPath(new URL('../../debian/reload-when-started', import.meta.url));
const t = tempDir('reload-when-started');
afterAll(t.cleanup);
let bundle = '';

beforeAll(async () => {
  bundle = await bundleCli(t.dir);
  setUpServiceDir(t.dir, []);
  writeFileSync(join(t.dir, 'auth.log'), '');
}, 60_000);

function runScript(pid: number, tries?: number): Promise<{ code: number | null; ms: number }> {
  const began = Date.now();
  const args = [String(pid), join(t.dir, 'run', 'status.json'), ...(tries === undefined ? [] : [String(tries)])];
  const child = spawn(SCRIPT, args, { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, ms: Date.now() - began })));
}

describe('debian/reload-when-started (the unit’s ExecReload)', () => {
  it('sent right after the launch, the reload happens once the service has started, and it keeps running', async () => {
    const out = join(t.dir, 'service.out');
    const files = serviceFiles(t.dir, join(t.dir, 'auth.log'), join(t.dir, 'verdicts.log'));
    const { child, exited, ended } = runService(bundle, files, out);
    try {
      const script = await runScript(child.pid ?? 0);
      expect(script.code).toBe(0);
      // It found the status file naming the pid, rather than giving up waiting after 30 s and sending the signal
      // anyway (as it would if the file's format stopped matching what it looks for).
      expect(script.ms).toBeLessThan(10_000);
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
      child.kill('SIGKILL');
    }
  }, 60_000);

  // Seen in a CI run of the booted package test: systemd's new process sets up the unit's sandbox as root and only
  // then takes the service's user, so for a moment the script (run as that user) may not signal it. An early
  // `kill -0` took that for a process that had gone, and the reload was never sent.
  it('waits through the moment the new process still runs as root, when the service user may not signal it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'f2bc-reload-'));
    chmodSync(dir, 0o755);
    const status = join(dir, 'status.json');
    const asNobody = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];
    // Root for 1 s, then nobody, in one process: what systemd's child does around the service's exec.
    const target = spawn('sh', ['-c', `sleep 1; exec setpriv ${asNobody.join(' ')} sleep 30`], { stdio: 'ignore' });
    const killed = new Promise((resolve) => target.on('exit', (_code, signal) => resolve(signal)));
    try {
      const began = Date.now();
      const script = spawn('setpriv', [...asNobody, SCRIPT, String(target.pid), status, '100'], { stdio: 'ignore' });
      const done = new Promise((resolve) => script.on('exit', (code) => resolve(code)));
      setTimeout(() => writeFileSync(status, `{\n  "pid": ${target.pid},\n  "state": "running"\n}\n`), 2000);
      expect(await done).toBe(0);
      expect(await killed).toBe('SIGHUP');
      // It went by the status file, written at 2 s, not by the end of its 10 s wait.
      expect(Date.now() - began).toBeLessThan(6000);
    } finally {
      target.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('fails, after its wait, for a process that has gone (systemd then reports the reload failed)', async () => {
    const gone = spawnSync('true').pid;
    const r = await runScript(gone, 5);
    expect(r.code).not.toBe(0);
    expect(r.ms).toBeGreaterThanOrEqual(400);
  });
});
