// Idle cost of the running service beside its peers, measured over the same minute on the same idle auth.log: the
// bundled program on its defaults (30 s socket sampling, a followed auth.log that receives nothing, the real
// /proc/net/tcp); fail2ban-server running Debian's sshd jail on that file (backend polling, and pyinotify, which
// Debian's backend = auto picks when python3-pyinotify is installed; a dummy action, its own socket and database in
// the temp dir); and sshguard's pipeline (sshg-logtail | sshg-parser | sshg-blocker | sshg-fw-null). CPU time and
// RSS are read from /proc for each process and its descendants, after a warm-up.
// Usage: node bench/idle.mjs [seconds=60] [warmup=5]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleOptions } from '../scripts/bundle-options.mjs';
import {
  cpuSeconds,
  hasPyinotify,
  launcherFlags,
  memoryMb,
  processTree,
  requirePrograms,
  SSHGUARD,
  sleep,
  startFail2ban,
  startSshguard,
} from './peers.mjs';

const seconds = Number(process.argv[2] ?? 60);
const warmup = Number(process.argv[3] ?? 5);
requirePrograms([
  ['/usr/bin/fail2ban-server', 'fail2ban'],
  [`${SSHGUARD}/sshg-blocker`, 'sshguard'],
]);
const dir = mkdtempSync(join(tmpdir(), 'f2b-bench-idle-'));
const bundle = join(dir, 'f2b-campaign.mjs');
await build({ ...bundleOptions(bundle), logLevel: 'silent' });
const authLog = join(dir, 'log', 'auth.log');
mkdirSync(join(dir, 'log'));
writeFileSync(authLog, '');
writeFileSync(join(dir, 'f2b.conf'), `[service]\nruntime_dir = ${join(dir, 'run')}\nsample_interval = 30s\n`);

const tools = [];
const ours = spawn(
  process.execPath,
  [
    ...launcherFlags(),
    bundle,
    'run',
    '--config',
    join(dir, 'f2b.conf'),
    '--auth-log',
    authLog,
    '--verdicts',
    join(dir, 'verdicts.log'),
    '--state-dir',
    join(dir, 'state'),
    '--fail2ban-dir',
    join(dir, 'none'),
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const oursExited = new Promise((r) => ours.on('exit', r));
tools.push({
  name: 'f2b-campaign run',
  note: 'socket sample every 30 s, file check every 1 s',
  pid: ours.pid,
  stop: async () => {
    ours.kill('SIGTERM');
    await oursExited;
  },
});
const backends = hasPyinotify() ? ['polling', 'pyinotify'] : ['polling'];
try {
  for (const backend of backends) {
    mkdirSync(join(dir, `fail2ban-${backend}`));
    const server = await startFail2ban(join(dir, `fail2ban-${backend}`), { logpath: authLog, backend });
    tools.push({ name: `fail2ban-server, sshd jail, backend ${backend}`, note: 'dummy action', ...server });
  }
  const guard = startSshguard(authLog);
  tools.push({ name: 'sshguard (null backend)', note: 'tail -F, sshg-parser, sshg-blocker, sh', ...guard });

  await sleep(warmup * 1000);
  const trees = tools.map((t) => processTree(t.pid));
  const cpu0 = trees.map((pids) => cpuSeconds(pids));
  const t0 = Date.now();
  const rssSeen = trees.map((pids) => [memoryMb(pids)]);
  for (let s = 10; s <= seconds; s += 10) {
    await sleep(Math.max(0, t0 + s * 1000 - Date.now()));
    for (const [i, pids] of trees.entries()) rssSeen[i].push(memoryMb(pids));
  }
  // The trees again: a process born during the minute (an action fail2ban ran) is counted from its birth.
  const used = tools.map((t, i) => cpuSeconds(processTree(t.pid)) - cpu0[i]);
  const wall = (Date.now() - t0) / 1000;
  if (!backends.includes('pyinotify'))
    console.log('(python3-pyinotify is not installed: fail2ban measured with polling only)');
  console.log(`\nidle over the same ${wall.toFixed(0)} s, on one empty followed auth.log, all running at once:\n`);
  console.log(
    '| tool | processes | CPU ms per minute | % of one core | RSS MB (every 10 s) | f2b-campaign uses N x its CPU |',
  );
  console.log('|---|---:|---:|---:|---|---:|');
  for (const [i, t] of tools.entries()) {
    const perMinute = (used[i] * 60_000) / wall;
    const ratio = i === 0 ? '-' : used[i] > 0 ? `${(used[0] / used[i]).toFixed(2)}x` : 'n/a (0 ms)';
    console.log(
      `| ${t.name} (${t.note}) | ${trees[i].length} | ${perMinute.toFixed(0)} | ${((100 * used[i]) / wall).toFixed(3)}% | ` +
        `${rssSeen[i].map((r) => r.toFixed(1)).join(' / ')} | ${ratio} |`,
    );
  }
  console.log(
    '\n(RSS is summed over the processes of each tool, so pages they share count more than once; CPU time comes ' +
      'from /proc/<pid>/stat in 10 ms ticks, so each figure is +-10 ms over the run and a ratio of small figures is ' +
      'coarse)',
  );
} finally {
  for (const t of tools.reverse()) await t.stop();
  rmSync(dir, { recursive: true, force: true });
}
