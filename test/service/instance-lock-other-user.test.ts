import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

/**
 * The package's unit runs the service as its own user with ProtectProc=invisible: other users' processes are hidden
 * from it in /proc, and kill(pid, 0) on them fails with EPERM. A lock left by a crash (kill -9, the OOM killer) whose
 * pid the kernel has since given to another user's program then looked like a running f2b-campaign, and the service
 * refused to start (every RestartSec) until that program ended (found in review). Real parts: a /proc mounted with
 * hidepid=invisible in a namespace of its own, a root process holding the pid, the lock code run as `nobody`.
 */
const t = tempDir('lock-other-user');
afterAll(t.cleanup);

describe('instance lock under ProtectProc=invisible', () => {
  it("takes over its own user's stale lock whose pid is now another user's program, and refuses another user's lock", async () => {
    chmodSync(t.dir, 0o755);
    const entry = join(t.dir, 'take.ts');
    writeFileSync(
      entry,
      `import { acquireInstanceLock } from ${JSON.stringify(join(process.cwd(), 'src/service/instance-lock.ts'))};
try {
  acquireInstanceLock(process.argv[2], { onStale: (pid) => console.log('stale ' + pid) });
  console.log('taken');
} catch (error) { console.log(error.message); }
`,
    );
    const script = join(t.dir, 'take.mjs');
    await build({
      entryPoints: [entry],
      outfile: script,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const own = join(t.dir, 'own');
    const others = join(t.dir, 'others');
    for (const dir of [own, others]) mkdirSync(dir, { mode: 0o777 });
    chmodSync(own, 0o777);
    chmodSync(others, 0o777);
    const boot = 'boot=$(cat /proc/sys/kernel/random/boot_id)';
    const asNobody = 'setpriv --reuid=65534 --regid=65534 --clear-groups';
    // In the namespace: root's `sleep` holds a pid; a lock naming it left by nobody (its crashed service), and one
    // made by root (a `run` by hand as root, which nobody must not take over).
    const shell =
      `mount -o remount,hidepid=invisible /proc && sleep 30 & sleep 0.5; ${boot}; ` +
      `${asNobody} ln -s "$! $boot" ${own}/run.lock; ln -s "$! $boot" ${others}/run.lock; ` +
      `${asNobody} ${process.execPath} ${script} ${own}; ${asNobody} ${process.execPath} ${script} ${others}; kill $!`;
    const out = execFileSync('unshare', ['-m', '-p', '-f', '--mount-proc', 'sh', '-c', shell], { encoding: 'utf8' });
    const [ownResult, ownTaken, othersResult] = out.trim().split('\n');
    expect(ownResult).toMatch(/^stale \d+$/);
    expect(ownTaken).toBe('taken');
    expect(readlinkSync(join(own, 'run.lock'))).toMatch(/^\d+ /);
    expect(othersResult).toMatch(/already running on .*others/);
  }, 60_000);
});
