// Idle cost of the running service: the bundled program runs on its defaults (30 s socket sampling, a followed
// auth.log that receives nothing, the real /proc/net/tcp) and its CPU time and RSS are read from /proc/<pid>
// over a minute, after a warm-up. Usage: node bench/idle.mjs [seconds=60] [warmup=5]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleOptions } from '../scripts/bundle-options.mjs';

const seconds = Number(process.argv[2] ?? 60);
const warmup = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'f2b-bench-idle-'));
const bundle = join(dir, 'f2b-campaign.mjs');
await build({ ...bundleOptions(bundle), logLevel: 'silent' });
mkdirSync(join(dir, 'log'));
writeFileSync(join(dir, 'log', 'auth.log'), '');
writeFileSync(join(dir, 'f2b.conf'), `[service]\nruntime_dir = ${join(dir, 'run')}\nsample_interval = 30s\n`);
const child = spawn(
  process.execPath,
  [
    bundle,
    'run',
    '--config',
    join(dir, 'f2b.conf'),
    '--auth-log',
    join(dir, 'log', 'auth.log'),
    '--verdicts',
    join(dir, 'verdicts.log'),
    '--state-dir',
    join(dir, 'state'),
    '--fail2ban-dir',
    join(dir, 'none'),
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const ticks = 100; // USER_HZ: the unit of utime/stime in /proc/<pid>/stat, 100 on every Linux build we ship to
const cpu = () => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks; // utime + stime, seconds
};
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

try {
  await sleep(warmup * 1000);
  const cpu0 = cpu();
  const t0 = Date.now();
  const rssSeen = [rss()];
  for (let s = 10; s <= seconds; s += 10) {
    await sleep(Math.max(0, t0 + s * 1000 - Date.now()));
    rssSeen.push(rss());
  }
  const used = cpu() - cpu0;
  const wall = (Date.now() - t0) / 1000;
  console.log(
    `idle service over ${wall.toFixed(0)} s (socket sample every 30 s, file check every 1 s): ` +
      `CPU ${(used * 1000).toFixed(0)} ms = ${((100 * used) / wall).toFixed(3)}% of one core; ` +
      `RSS ${rssSeen.map((r) => r.toFixed(1)).join(' / ')} MB (every 10 s)`,
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
