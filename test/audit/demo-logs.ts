import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from '../../src/core/verdict.js';
import { ban, campaignVerdict, fail2banLine, verdictLines, writeRotated } from './log-writers.js';

/** A small deterministic PRNG (mulberry32): the demo logs are the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DEMO_START = Date.parse('2026-02-15T13:00:00Z');
const M = 60_000;
const DICTIONARY = [
  'admin',
  'administrator',
  'ansible',
  'backup',
  'debian',
  'deploy',
  'git',
  'guest',
  'oracle',
  'pi',
  'postgres',
  'root',
  'support',
  'test',
  'ubuntu',
  'user',
];

/** rsyslog's RFC 3339 stamp (Debian 12's default format), in UTC so the demo does not depend on the time zone. */
function syslog(t: number, message: string): string {
  const stamp = new Date(t).toISOString().replace('Z', '000+00:00');
  return `${stamp} web1 sshd[${1000 + (t % 9000)}]: ${message}`;
}

/**
 * The "waves with a rhythm" campaign of issue 3 as the logs would show it: 47 addresses in three 15-minute waves,
 * each making 3 attempts ~167 s apart; the detector's verdicts (opened after 9 members, later members banned at
 * their first attempt), fail2ban's log (one member in ignoreip, a 6-minute fail2ban outage), a compromise and two
 * lateral alerts; then a small "neighbours" campaign in one /24. Times are UTC.
 */
export function writeDemoLogs(dir: string): { verdictLog: string; fail2banLog: string; authLog: string } {
  const rand = random(7);
  const auth: Array<[number, string]> = [];
  const verdicts: Verdict[] = [];
  const f2b: Array<[number, string]> = [];
  const f2bAt = (t: number, logger: string, level: string, msg: string) =>
    f2b.push([t, fail2banLine(t, logger, level, msg)]);
  const down: [number, number] = [DEMO_START + 58 * M, DEMO_START + 64 * M];
  const ignored = '192.0.2.99';
  const waves = [
    Array.from({ length: 16 }, (_, i) => `203.0.113.${11 + i * 7}`),
    Array.from({ length: 16 }, (_, i) => `198.51.100.${3 + i * 5}`),
    [...Array.from({ length: 14 }, (_, i) => `2001:db8:7:${i + 1}::${(i * 37 + 5).toString(16)}`), ignored],
  ];
  let word = 0;
  const members: Array<{ ip: string; first: number }> = [];
  waves.forEach((wave, w) => {
    for (const ip of wave) {
      let t = DEMO_START + w * 20 * M + Math.floor(rand() * 13 * M);
      members.push({ ip, first: t });
      for (let k = 0; k < 3; k++) {
        // Every third try is root, the rest walk the dictionary in order, as spraying tools do.
        const user = k === 1 ? 'root' : DICTIONARY[word++ % DICTIONARY.length]!;
        auth.push([
          t,
          syslog(
            t,
            `Failed password for invalid user ${user} from ${ip} port ${40000 + Math.floor(rand() * 20000)} ssh2`,
          ),
        ]);
        t += 155_000 + Math.floor(rand() * 24_000);
      }
    }
  });
  members.sort((a, b) => a.first - b.first);
  // Opened 12 minutes in: every member seen by then is banned at once, later ones at their first attempt.
  const open = DEMO_START + 12 * M;
  const early = members.filter((m) => m.first < open).length;
  verdicts.push(campaignVerdict(open, 'c-7f3a', 'open', early, 'rhythm+synchrony'));
  members.forEach((m, i) => {
    const at = m.first < open ? open + i : m.first + 400;
    verdicts.push(ban(at, m.ip, 'c-7f3a', m.first < open ? 'rhythm+synchrony' : 'fingerprint'));
    if (m.ip === ignored) f2bAt(at + 300, 'filter', 'INFO', `[f2b-campaign] Ignore ${m.ip} by ip`);
    else {
      const banAt = at >= down[0] && at <= down[1] ? down[1] + 2_000 : at + 300;
      f2bAt(banAt, 'actions', 'NOTICE', `[f2b-campaign] Ban ${m.ip}`);
      f2bAt(banAt + 3_600_000, 'actions', 'NOTICE', `[f2b-campaign] Unban ${m.ip}`);
    }
  });
  verdicts.push(campaignVerdict(DEMO_START + 30 * M, 'c-7f3a', 'grow', 24, 'rhythm+synchrony+prefix'));
  verdicts.push(campaignVerdict(DEMO_START + 50 * M, 'c-7f3a', 'grow', 40, 'rhythm+synchrony+prefix'));
  verdicts.push(campaignVerdict(DEMO_START + 95 * M, 'c-7f3a', 'end', 47, 'rhythm+synchrony+prefix'));
  const login = DEMO_START + 70 * M;
  auth.push([login, syslog(login, 'Accepted password for oracle from 198.51.100.23 port 53122 ssh2')]);
  const alert = (t: number, fields: Array<[string, string | number]>): Verdict => ({ time: t, verb: 'ALERT', fields });
  verdicts.push(
    alert(login, [
      ['kind', 'compromise'],
      ['ip', '198.51.100.23'],
      ['user', 'oracle'],
      ['campaign', 'c-7f3a'],
      ['reason', 'member'],
      ['signals', 'rhythm+synchrony+prefix'],
      ['method', 'password'],
    ]),
  );
  verdicts.push(
    alert(login + 2 * M, [
      ['kind', 'lateral'],
      ['reason', 'smb+new-destination'],
      ['local_ip', '10.0.0.5'],
      ['local_port', 41001],
      ['remote_ip', '10.0.0.40'],
      ['remote_port', 445],
      ['lifetime', 0],
      ['since_login', 119],
      ['login_ip', '198.51.100.23'],
      ['user', 'oracle'],
      ['campaign', 'c-7f3a'],
    ]),
  );
  verdicts.push(
    alert(login + 8 * M, [
      ['kind', 'lateral'],
      ['reason', 'long-session'],
      ['local_ip', '10.0.0.5'],
      ['local_port', 41005],
      ['remote_ip', '10.0.0.20'],
      ['remote_port', 5432],
      ['lifetime', 65],
      ['since_login', 399],
      ['baseline_p95', 1],
      ['login_ip', '198.51.100.23'],
      ['user', 'oracle'],
      ['campaign', 'c-7f3a'],
    ]),
  );
  // Neighbours: six addresses of one /24 taking turns 90 s apart.
  const n0 = DEMO_START + 150 * M;
  verdicts.push(campaignVerdict(n0 + 6 * M, 'c-8b21', 'open', 6, 'prefix+rhythm'));
  for (let i = 0; i < 6; i++) {
    const ip = `192.0.2.${40 + i}`;
    for (let k = 0; k < 4; k++) {
      const t = n0 + (k * 6 + i) * 90_000;
      auth.push([t, syslog(t, `Failed password for ${k % 2 ? 'root' : 'admin'} from ${ip} port ${50000 + k} ssh2`)]);
    }
    verdicts.push(ban(n0 + 6 * M + i, ip, 'c-8b21', 'prefix+rhythm'));
    f2bAt(n0 + 6 * M + 300 + i, 'actions', 'NOTICE', `[f2b-campaign] Ban ${ip}`);
  }
  f2bAt(DEMO_START - 60 * M, 'server', 'INFO', 'Starting Fail2ban v1.0.2');
  f2bAt(DEMO_START - 60 * M + 5, 'jail', 'INFO', "Jail 'f2b-campaign' started");
  f2bAt(down[0], 'server', 'INFO', 'Shutdown in progress...');
  f2bAt(down[0] + 5, 'jail', 'INFO', "Jail 'f2b-campaign' stopped");
  f2bAt(down[0] + 10, 'server', 'INFO', 'Exiting Fail2ban');
  f2bAt(down[1], 'server', 'INFO', 'Starting Fail2ban v1.0.2');
  f2bAt(down[1] + 5, 'jail', 'INFO', "Jail 'f2b-campaign' started");
  const byTime = <T extends [number, string] | Verdict>(x: T, y: T) =>
    (Array.isArray(x) ? x[0] : x.time) - (Array.isArray(y) ? y[0] : (y as Verdict).time);
  verdicts.sort(byTime);
  const lines = verdictLines(verdicts);
  const paths = {
    verdictLog: join(dir, 'verdicts.log'),
    fail2banLog: join(dir, 'fail2ban.log'),
    authLog: join(dir, 'auth.log'),
  };
  writeRotated(paths.verdictLog, [lines.slice(0, 30), lines.slice(30)]);
  writeFileSync(
    paths.fail2banLog,
    `${f2b
      .sort(byTime)
      .map(([, l]) => l)
      .join('\n')}\n`,
  );
  writeFileSync(
    paths.authLog,
    `${auth
      .sort(byTime)
      .map(([, l]) => l)
      .join('\n')}\n`,
  );
  return paths;
}
