import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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

function runScript(pid: number): Promise<{ code: number | null; ms: number }> {
  const began = Date.now();
  const child = spawn(SCRIPT, [String(pid), join(t.dir, 'run', 'status.json')], { stdio: 'ignore' });
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

  it('signals nothing to a process that has gone, and says so by its status', async () => {
    const gone = spawnSync('true').pid;
    const r = await runScript(gone);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(5000);
  });
});
