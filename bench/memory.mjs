#!/usr/bin/env node
// Memory of the campaign detector, in one run: (1) bytes per tracked source, (2) a flood of a million distinct
// addresses with the [detection] defaults, showing that memory stops growing once max_sources is reached (old
// state is evicted), and (3) a flood of distinct addresses as sshd logs it (an Invalid user line and a Failed
// password line each), appended to one followed auth.log, beside its peers on the same lines: the running
// service (`f2b-campaign run`), fail2ban-server running Debian's sshd jail (dummy action, its own socket and
// database) and sshguard's sshg-blocker (behind sshg-parser, null firewall backend). The detector and the program
// are bundled from src/ with esbuild, so no prior build is needed.
// Usage: node --expose-gc bench/memory.mjs [FLOOD_SOURCES] [MEASURED_SOURCES] [LOG_FLOOD] [SSHGUARD_FLOOD]
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleOptions } from '../scripts/bundle-options.mjs';
import {
  cpuSeconds,
  launcherFlags,
  memoryMb,
  requirePrograms,
  SSHGUARD,
  sleep,
  startFail2ban,
  waitFor,
} from './peers.mjs';

const FLOOD = Number(process.argv[2] ?? 1_000_000);
const MEASURED = Number(process.argv[3] ?? 100_000);
// fail2ban reads about 4,000-5,000 of these lines a second here, so the log flood is 200,000 addresses (twice the
// default max_sources), not a million; sshg-blocker slows down much faster than linearly with the addresses it
// holds (4,000 took 9 s here, 8,000 85 s), so it gets a flood of 5,000.
const LOG_FLOOD = Number(process.argv[4] ?? 200_000);
const SSHG_FLOOD = Number(process.argv[5] ?? 5_000);
const TIME = '/usr/bin/time';
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc bench/memory.mjs');
requirePrograms([
  [TIME, 'time'],
  ['/usr/bin/fail2ban-server', 'fail2ban'],
  [`${SSHGUARD}/sshg-blocker`, 'sshguard'],
]);

mkdirSync('bench/out', { recursive: true });
const outfile = 'bench/out/campaign-detector.js';
await build({
  entryPoints: ['src/correlate/campaign-detector.ts', 'src/correlate/source-record-layout.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outdir: 'bench/out',
  logLevel: 'error',
});
const { CampaignDetector } = await import(`../${outfile}`);
const { RECORD_BYTES } = await import('../bench/out/source-record-layout.js');

const thresholds = {
  maxretry: 5,
  findtime: 600_000,
  bantime: 600_000,
  campaignBantime: 86_400_000,
  ignoreip: ['127.0.0.1/8', '::1'],
  origin: 'defaults',
};
const T0 = Date.UTC(2026, 1, 16);
const NAMES = ['root', 'admin', 'user', 'test', 'ubuntu', 'oracle', 'postgres', 'guest', 'ftpuser', 'pi'];

/** The i-th distinct public-looking address (never loopback, never private). */
function address(i) {
  const a = 11 + (i % 100); // 11..110
  return `${a}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

function failure(ip, time, user) {
  return {
    time,
    kind: 'failure',
    reason: 'failed-password',
    ip,
    bannable: true,
    count: 1,
    user,
    invalidUser: user !== 'root',
  };
}

/** Heap in use after full collections (plain gc(): on Node 20 the `{ type: 'major' }` form does not free it all). */
function heap() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** The heap plus typed-array memory outside it (the sources' records). */
function memory() {
  return heap() + process.memoryUsage().arrayBuffers;
}

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

// (1) Bytes per tracked source: nothing evicted (max_sources above the count, ttl longer than the run); each source
// makes two attempts with dictionary names, so every per-source structure and index entry is populated (and, as the
// addresses act together, the campaign's member list too). Measured as the slope of the heap between two counts, so
// what existed before (code, the module graph) does not count.
function perSource() {
  const detector = new CampaignDetector({ max_sources: MEASURED * 4, source_ttl: 30 * 86_400_000 }, thresholds);
  const feed = (from, to) => {
    for (let i = from; i < to; i++) {
      const ip = address(i);
      detector.onAuthEvent(failure(ip, T0 + i * 20, NAMES[i % NAMES.length]));
      detector.onAuthEvent(failure(ip, T0 + i * 20 + 10, NAMES[(i * 7) % NAMES.length]));
    }
  };
  feed(0, MEASURED / 2);
  const low = heap();
  feed(MEASURED / 2, MEASURED * 1.5);
  const high = heap();
  const s = detector.status();
  const members = s.campaigns.reduce((n, c) => n + c.members, 0);
  // The records and the IPv4 address table (address-slots.ts) grow by doubling, so their share is what a source
  // takes of them, not a slope: a record, and 2 to 4 places of 8 bytes in the table, which is at most half full.
  const slope = Math.round((high - low) / MEASURED);
  console.log(
    `bytes per tracked source: ${slope + RECORD_BYTES + 16}-${slope + RECORD_BYTES + 32} (${slope} of heap, slope from ${MEASURED / 2} to ${MEASURED * 1.5} sources, + a ${RECORD_BYTES}-byte record, + 16-32 bytes of IPv4 address table; ${s.trackedSources} tracked, ${members} of them campaign members)`,
  );
}

// (2) Flood: a million distinct addresses, one attempt each, 2,000 per second of log time, [detection] defaults.
function flood() {
  const base = memory();
  const detector = new CampaignDetector({}, thresholds);
  const started = process.hrtime.bigint();
  let peakHeap = 0;
  let peakRss = 0;
  const rows = [];
  for (let i = 0; i < FLOOD; i++) {
    detector.onAuthEvent(failure(address(i), T0 + i / 2, `u${i % 50_000}`));
    if ((i + 1) % (FLOOD / 10) === 0) {
      const h = memory() - base;
      const rss = process.memoryUsage().rss;
      peakHeap = Math.max(peakHeap, h);
      peakRss = Math.max(peakRss, rss);
      const s = detector.status();
      rows.push(
        `  after ${String(i + 1).padStart(8)} addresses: tracked ${String(s.trackedSources).padStart(7)}, evicted ${String(s.evictedSources).padStart(7)}, heap+records ${mb(h).padStart(6)} MB, rss ${mb(rss).padStart(6)} MB`,
      );
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`flood of ${FLOOD} distinct addresses with the defaults (max_sources 100000):`);
  console.log(rows.join('\n'));
  console.log(
    `peak detector heap+records ${mb(peakHeap)} MB, peak process RSS ${mb(peakRss)} MB, ${Math.round(FLOOD / seconds)} events/s (GC pauses for the measurements included)`,
  );
}

// (3) The log flood. Timestamps are now's (local time, as syslog writes them), 2,000 addresses a second of log
// time ending at the moment of writing: fail2ban ignores a line older than its findtime (10 minutes).
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function floodLog(count) {
  const pad = (n) => String(n).padStart(2, '0');
  const t0 = Date.now() - count / 2;
  const lines = [];
  for (let i = 0; i < count; i++) {
    const d = new Date(t0 + i / 2);
    const stamp = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    const head = `${stamp} bench sshd[${10_000 + (i % 50_000)}]: `;
    const tail = `u${i % 50_000} from ${address(i)} port ${1024 + (i % 60_000)}`;
    lines.push(`${head}Invalid user ${tail}`, `${head}Failed password for invalid user ${tail} ssh2`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A running program's memory under the log flood: its RSS once settled on an empty followed file, then the flood
 * appended at once, `progress()` polled until it has read every line (or has not moved for 20 s, or 4 minutes).
 */
async function liveFlood(name, pid, log, lines, progress, note) {
  await sleep(3000);
  const before = memoryMb([pid]);
  const cpu0 = cpuSeconds([pid]);
  const started = Date.now();
  appendFileSync(log, lines);
  const total = lines.split('\n').length - 1;
  let seen = 0;
  let moved = Date.now();
  while (seen < total && Date.now() - moved < 20_000 && Date.now() - started < 240_000) {
    await sleep(500);
    const now = progress();
    if (now > seen) moved = Date.now();
    seen = Math.max(seen, now);
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    name,
    fed: Math.floor(seen / 2),
    seconds,
    cpu: cpuSeconds([pid]) - cpu0,
    before,
    after: memoryMb([pid]),
    peak: memoryMb([pid], 'VmHWM'),
    note: seen < total ? `${note}; STOPPED after ${seen} of ${total} lines` : note,
  };
}

async function logFlood() {
  const dir = mkdtempSync(join(tmpdir(), 'f2b-bench-memory-'));
  const results = [];
  const reload = { before: 0, peak: 0 };
  try {
    const lines = floodLog(LOG_FLOOD);
    // f2b-campaign run, on its defaults, following an empty auth.log; its status file counts the lines read.
    const bundle = join(dir, 'f2b-campaign.mjs');
    await build({ ...bundleOptions(bundle), logLevel: 'silent' });
    const ours = join(dir, 'ours');
    mkdirSync(join(ours, 'run'), { recursive: true });
    writeFileSync(join(ours, 'auth.log'), '');
    writeFileSync(join(ours, 'f2b.conf'), `[service]\nruntime_dir = ${join(ours, 'run')}\n`);
    const argv = ['run', '--config', join(ours, 'f2b.conf'), '--auth-log', join(ours, 'auth.log')];
    argv.push('--verdicts', join(ours, 'verdicts.log'), '--state-dir', join(ours, 'state'));
    argv.push('--fail2ban-dir', join(ours, 'none'));
    const serviceLog = join(ours, 'service.log');
    const out = openSync(serviceLog, 'w');
    const child = spawn(process.execPath, [...launcherFlags(), bundle, ...argv], { stdio: ['ignore', out, 'inherit'] });
    closeSync(out);
    const exited = new Promise((r) => child.on('exit', r));
    try {
      const statusFile = join(ours, 'run', 'status.json');
      const status = () => JSON.parse(readFileSync(statusFile, 'utf8'));
      await waitFor('f2b-campaign run to write its status', () => existsSync(statusFile));
      const r = await liveFlood('f2b-campaign run', child.pid, join(ours, 'auth.log'), lines, () => {
        try {
          return status().lines.read;
        } catch {
          return 0; // between the rename and the read
        }
      });
      await sleep(6000); // a status written after the last line
      const last = status();
      const detection = last.core?.detection ?? {};
      r.note =
        `${detection.trackedSources} tracked (max_sources 100000), ${detection.evictedSources ?? '?'} evicted, ` +
        `${last.verdicts.written} verdicts written, ${(detection.campaigns ?? []).length} campaigns open`;
      results.push(r);
      // A SIGHUP (`systemctl reload`) then rebuilds the core from its state with the configuration read again:
      // for a while, the old core and the new one are both in memory. The peak is measured from here (clear_refs 5
      // resets VmHWM), until the reload is logged.
      writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
      reload.before = memoryMb([child.pid]);
      child.kill('SIGHUP');
      await waitFor('the reload', () => readFileSync(serviceLog, 'utf8').includes('"config-reloaded"'));
      reload.peak = memoryMb([child.pid], 'VmHWM');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }

    // fail2ban-server, Debian's sshd jail (polling), counting the failures it has seen.
    const f2bDir = join(dir, 'fail2ban');
    mkdirSync(f2bDir);
    writeFileSync(join(f2bDir, 'auth.log'), '');
    const server = await startFail2ban(f2bDir, { logpath: join(f2bDir, 'auth.log'), backend: 'polling' });
    try {
      const r = await liveFlood(
        'fail2ban-server (sshd jail, polling)',
        server.pid,
        join(f2bDir, 'auth.log'),
        lines,
        () => server.failed(),
      );
      r.note = `${/Currently failed:\s+(\d+)/.exec(server.client('status', 'sshd'))?.[1]} addresses held (findtime 10 min, no cap)`;
      results.push(r);
    } finally {
      await server.stop();
    }

    // sshguard: sshg-parser reads the first SSHG_FLOOD addresses' lines and sshg-blocker, whose peak RSS GNU time
    // reads, keeps them (threshold 30, 10 per attack: none is blocked); and once with no input, for its baseline.
    const blocker = (count) => {
      const input = join(dir, `sshguard-${count}.log`);
      writeFileSync(input, count === 0 ? '' : `${lines.split('\n', count * 2).join('\n')}\n`);
      const shell = `${SSHGUARD}/sshg-parser < ${input} | ${TIME} -f '@@ %e %M %U %S' ${SSHGUARD}/sshg-blocker -a 30 -p 120 -s 1800 | ${SSHGUARD}/sshg-fw-null > /dev/null`;
      const r = spawnSync('/bin/sh', ['-c', shell], { encoding: 'utf8' });
      const m = /@@ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
      if (r.status !== 0 || !m) throw new Error(`sshg-blocker failed (${r.status}): ${r.stderr.slice(-2000)}`);
      return { seconds: Number(m[1]), peak: Number(m[2]) / 1024, cpu: Number(m[3]) + Number(m[4]) };
    };
    const empty = blocker(0);
    const full = blocker(SSHG_FLOOD);
    results.push({
      name: 'sshguard (sshg-blocker behind sshg-parser)',
      fed: SSHG_FLOOD,
      seconds: full.seconds,
      cpu: full.cpu,
      before: empty.peak,
      after: full.peak,
      peak: full.peak,
      note: `reads its input to the end and exits: "before" is its peak on an empty input, "after" its peak`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\nthe flood as sshd logs it (2 lines per address, 2,000 addresses per second of log time), appended at once to a ` +
      `followed file; sshguard's flood scaled down to ${SSHG_FLOOD} addresses:\n`,
  );
  console.log(
    '| program | addresses fed | seconds to read | CPU s | RSS before MB | RSS after MB | peak RSS MB | RSS growth per address fed, bytes | |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const per = Math.round(((r.after - r.before) * 1024 * 1024) / r.fed);
    console.log(
      `| ${r.name} | ${r.fed} | ${r.seconds.toFixed(1)} | ${r.cpu.toFixed(1)} | ${r.before.toFixed(1)} | ${r.after.toFixed(1)} | ${r.peak.toFixed(1)} | ${per} | ${r.note} |`,
    );
  }
  console.log(
    `\nf2b-campaign run, a SIGHUP after the flood: RSS ${reload.before.toFixed(1)} MB before it, ` +
      `${reload.peak.toFixed(1)} MB at most until the reload was logged`,
  );
}

// The flood first, so its RSS is its own (V8 keeps pages it once used).
flood();
perSource();
await logFlood();
