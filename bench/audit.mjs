#!/usr/bin/env node
// `f2b-campaign audit` over 90 days of rotated logs, as the shipped logrotate file keeps them (daily, rotate 90,
// compress, delaycompress): verdicts.log, .1, .2.gz ... .89.gz, and fail2ban.log rotated the same way.
// Generates the files once (bench/out/audit-90d-<N>/), bundles the CLI from src/ with esbuild, and times each
// question with GNU time (wall seconds, CPU, peak RSS), beside the way an operator answers it without us, on the
// same files in the same run: zgrep over the rotated verdict and fail2ban logs (for one address; for one campaign,
// its members' addresses from the verdicts, then their lines in fail2ban's log; for the whole 90 days, a count of
// the BAN verdicts and of fail2ban's Ban lines, which only reads everything and reconciles nothing).
// Usage: node bench/audit.mjs [BANS_PER_DAY]   (default 5000)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { bundleOptions } from '../scripts/bundle-options.mjs';

const BANS_PER_DAY = Number(process.argv[2] ?? 5000);
const DAYS = 90;
const MEMBERS_PER_CAMPAIGN = 250;
const dir = `bench/out/audit-90d-${BANS_PER_DAY}`;
const TIME = '/usr/bin/time';
if (!existsSync(TIME)) throw new Error(`${TIME} is missing: apt-get install time`);

const DAY = 86_400_000;
const END = Date.UTC(2026, 1, 15);
const pad = (n, w = 2) => String(n).padStart(w, '0');
const f2bStamp = (t) => {
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
};
const verdict = (t, body) => `${new Date(t).toISOString()} f2b-campaign[812]: ${body}`;
const f2b = (t, logger, level, msg) =>
  `${f2bStamp(t)} ${`fail2ban.${logger}`.padEnd(24)}[4711]: ${level.padEnd(8)}${msg}`;

/** One day of verdicts and fail2ban lines: campaigns of MEMBERS_PER_CAMPAIGN members, bans ~1 s after each BAN. */
function day(index) {
  const start = END - (DAYS - index) * DAY;
  const verdicts = [];
  const fail2ban = [];
  const campaigns = Math.max(1, Math.round(BANS_PER_DAY / MEMBERS_PER_CAMPAIGN));
  for (let c = 0; c < campaigns; c++) {
    const id = `c-${pad(index, 3)}${pad(c, 3)}`;
    const t0 = start + Math.floor((c * DAY) / campaigns);
    const span = Math.floor(DAY / campaigns) - 60_000;
    verdicts.push([
      t0,
      verdict(
        t0,
        `CAMPAIGN id=${id} event=open members=8 signals=rhythm+dictionary start=${new Date(t0).toISOString()}`,
      ),
    ]);
    for (let m = 0; m < MEMBERS_PER_CAMPAIGN; m++) {
      const t = t0 + Math.floor((m * span) / MEMBERS_PER_CAMPAIGN) + 1;
      const ip = `${10 + (index % 200)}.${c % 250}.${Math.floor(m / 250)}.${(m % 250) + 1}`;
      verdicts.push([
        t,
        verdict(t, `BAN ip=${ip} campaign=${id} reason=rhythm+dictionary match=3 attempts=3 probes=0`),
      ]);
      fail2ban.push([
        t + 400,
        f2b(t + 400, 'filter', 'INFO', `[f2b-campaign] Found ${ip} - ${f2bStamp(t).slice(0, 19)}`),
      ]);
      if (m % 97 === 5) fail2ban.push([t + 500, f2b(t + 500, 'filter', 'INFO', `[f2b-campaign] Ignore ${ip} by ip`)]);
      else {
        fail2ban.push([t + 900, f2b(t + 900, 'actions', 'NOTICE', `[f2b-campaign] Ban ${ip}`)]);
        fail2ban.push([t + DAY / 2, f2b(t + DAY / 2, 'actions', 'NOTICE', `[f2b-campaign] Unban ${ip}`)]);
      }
      if (m === 100) {
        verdicts.push([
          t + 2,
          verdict(
            t + 2,
            `ALERT kind=compromise ip=${ip} user=oracle campaign=${id} reason=member signals=rhythm method=password`,
          ),
        ]);
      }
    }
    const tEnd = t0 + span;
    verdicts.push([
      tEnd,
      verdict(tEnd, `CAMPAIGN id=${id} event=end members=${MEMBERS_PER_CAMPAIGN} signals=rhythm+dictionary`),
    ]);
  }
  return { verdicts, fail2ban, start };
}

function writeRotated(path, rank, lines, mtime) {
  const text = `${lines.map(([, l]) => l).join('\n')}\n`;
  const file = rank === 0 ? path : rank === 1 ? `${path}.1` : `${path}.${rank}.gz`;
  writeFileSync(file, rank >= 2 ? gzipSync(text) : text);
  utimesSync(file, mtime / 1000, mtime / 1000);
}

if (!existsSync(join(dir, 'complete'))) {
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  let carry = [];
  for (let i = 0; i < DAYS; i++) {
    const { verdicts, fail2ban, start } = day(i);
    // fail2ban's Unban lines fall on the next day: they go to the file of the day they were written.
    const f2bToday = [...carry, ...fail2ban].sort((a, b) => a[0] - b[0]);
    carry = f2bToday.filter(([t]) => t >= start + DAY);
    const rank = DAYS - 1 - i;
    writeRotated(
      join(dir, 'verdicts.log'),
      rank,
      verdicts.sort((a, b) => a[0] - b[0]),
      start + DAY - 1,
    );
    writeRotated(
      join(dir, 'fail2ban.log'),
      rank,
      f2bToday.filter(([t]) => t < start + DAY),
      start + DAY - 1,
    );
  }
  writeFileSync(join(dir, 'complete'), '');
  console.log(`generated ${DAYS} days x ${BANS_PER_DAY} bans in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const cli = 'bench/out/audit-cli/f2b-campaign.mjs';
await build({ ...bundleOptions(cli), logLevel: 'silent' });

const du = spawnSync('du', ['-sb', '--exclude=report.html', '--exclude=members.txt', dir])
  .stdout.toString()
  .split('\t')[0];
const base = [
  'node',
  cli,
  'audit',
  '--verdicts',
  join(dir, 'verdicts.log'),
  '--fail2ban-log',
  join(dir, 'fail2ban.log'),
];
const since = new Date(END - 7 * DAY).toISOString();
const logs = (name) => `${join(dir, name)}*`;
// The manual commands, run by sh (for the globs and the pipes); zgrep reads plain and .gz files alike.
const manualAll = `zgrep -c ' BAN ip=' ${logs('verdicts.log')} | awk -F: '{ n += $2 } END { print n " BAN verdicts" }'; zgrep -c '\\] Ban ' ${logs('fail2ban.log')} | awk -F: '{ n += $2 } END { print n " fail2ban bans" }'`;
const manualCampaign = `zgrep -h 'campaign=c-045000' ${logs('verdicts.log')} | grep -o ' ip=[^ ]*' | cut -d= -f2 | sort -u > ${join(dir, 'members.txt')}; zgrep -hFw -f ${join(dir, 'members.txt')} ${logs('fail2ban.log')} | wc -l | awk '{ print $1 " fail2ban lines for its members" }'`;
const manualIp = `zgrep -hFw 55.0.0.7 ${logs('verdicts.log')} ${logs('fail2ban.log')}`;
const cases = [
  ['all 90 days, table', [], manualAll],
  ['all 90 days, --json', ['--json']],
  ['all 90 days, --html', ['--html', join(dir, 'report.html')]],
  ['--since last 7 days', ['--since', since]],
  ['--campaign (one campaign)', ['--campaign', 'c-045000'], manualCampaign],
  ['--ip (one address)', ['--ip', '55.0.0.7'], manualIp],
];

function timed(name, argv) {
  const r = spawnSync(TIME, ['-f', '@@ %e %M %U %S', ...argv], { maxBuffer: 1 << 30 });
  const err = r.stderr.toString();
  const m = /@@ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(err);
  if (r.status !== 0 || !m) throw new Error(`${name} failed (${r.status}): ${err.slice(-2000)}`);
  return {
    wall: Number(m[1]),
    cpu: Number(m[3]) + Number(m[4]),
    rssMb: Number(m[2]) / 1024,
    out: r.stdout.toString(),
  };
}

console.log(
  `\n${DAYS} rotated days, ${BANS_PER_DAY} BAN verdicts/day, ${(Number(du) / 1e6).toFixed(1)} MB on disk (gzip)\n`,
);
console.log('| question | how | wall s | CPU s (user+sys) | peak RSS MB | output |');
console.log('|---|---|---:|---:|---:|---|');
const ratios = [];
for (const [name, extra, manual] of cases) {
  const ours = timed(name, [...base, ...extra]);
  const first = ours.out.split('\n')[0].slice(0, 80);
  console.log(
    `| ${name} | f2b-campaign audit | ${ours.wall.toFixed(2)} | ${ours.cpu.toFixed(2)} | ${ours.rssMb.toFixed(0)} | ${first} |`,
  );
  if (!manual) continue;
  // GNU time's CPU covers every process of the pipeline it waited for; its peak RSS is the largest single one's.
  const by = timed(`${name} by hand`, ['sh', '-c', manual]);
  const lines = by.out.split('\n').filter(Boolean);
  const shown = lines.length > 2 ? `${lines.length} lines` : lines.join('; ');
  console.log(
    `| | by hand: zgrep ... | ${by.wall.toFixed(2)} | ${by.cpu.toFixed(2)} | ${by.rssMb.toFixed(0)} | ${shown} |`,
  );
  ratios.push(
    `${name}: audit takes ${(ours.wall / by.wall).toFixed(1)}x the wall time, ${(ours.cpu / by.cpu).toFixed(1)}x the CPU`,
  );
}
console.log(`\n${ratios.join('\n')}`);
console.log(`\nby hand, all 90 days: ${manualAll}`);
console.log(`by hand, one campaign: ${manualCampaign}`);
console.log(`by hand, one address: ${manualIp}`);
