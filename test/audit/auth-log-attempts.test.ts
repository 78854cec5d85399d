import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { corpusFile } from '../helpers/corpora.js';
import { ban, campaignVerdict, fail2banLine, verdictLines, writeRotated } from './log-writers.js';

/** Real sshd lines (Loghub's OpenSSH_2k, read in place: ../shared/corpora/README.md). */
const CORPUS = corpusFile('loghub-openssh-2k.log');

const cli = bundledCliSuite('audit-auth-attempts');
const dir = cli.dir;
const paths = {
  verdictLog: join(dir, 'verdicts.log'),
  fail2banLog: join(dir, 'fail2ban.log'),
  authLog: join(dir, 'auth.log'),
};

beforeAll(async () => {
  const corpus = readFileSync(CORPUS, 'utf8').split('\n');
  const lines = (from: number, to: number) => corpus.slice(from - 1, to);
  // pid 24227: one `Failed password` for root from 5.36.59.76, then rsyslog's `message repeated 5 times` of it.
  // pid 24439: `Invalid user admin` from 103.99.0.122, whose `Failed password for invalid user admin` (the same
  // try) logrotate put in the next file.
  expect(lines(30, 30)[0]).toContain('message repeated 5 times: [ Failed password for root from 5.36.59.76');
  expect(lines(346, 346)[0]).toContain('Failed password for invalid user admin from 103.99.0.122');
  writeRotated(paths.authLog, [[...lines(28, 33), ...lines(342, 345)], lines(346, 347)]);
  // The stamps have no year: each file's mtime anchors it (logrotate leaves the time of the last line).
  const mtime = Date.parse('2026-12-10T12:00:00Z') / 1000;
  for (const name of ['auth.log.1', 'auth.log']) utimesSync(join(dir, name), mtime, mtime);

  // A campaign that spans the day whatever the machine's time zone (sshd's stamps are local time).
  const at = (iso: string) => Date.parse(iso);
  writeRotated(paths.verdictLog, [
    verdictLines([
      campaignVerdict(at('2026-12-09T20:00:00Z'), 'c-1234', 'open', 2, 'rhythm+dictionary'),
      ban(at('2026-12-09T20:00:01Z'), '5.36.59.76', 'c-1234', 'rhythm', 'root'),
      ban(at('2026-12-09T20:00:02Z'), '103.99.0.122', 'c-1234', 'rhythm', 'admin'),
      campaignVerdict(at('2026-12-10T23:00:00Z'), 'c-1234', 'end', 2, 'rhythm+dictionary'),
    ]),
  ]);
  writeFileSync(
    paths.fail2banLog,
    `${[
      fail2banLine(at('2026-12-09T19:00:00Z'), 'server', 'INFO', 'Starting Fail2ban v1.0.2'),
      fail2banLine(at('2026-12-09T19:00:01Z'), 'jail', 'INFO', "Jail 'f2b-campaign' started"),
      fail2banLine(at('2026-12-09T20:00:02Z'), 'actions', 'NOTICE', '[f2b-campaign] Ban 5.36.59.76'),
      fail2banLine(at('2026-12-09T20:00:03Z'), 'actions', 'NOTICE', '[f2b-campaign] Ban 103.99.0.122'),
    ].join('\n')}\n`,
  );
}, 60_000);

describe('audit --auth-log over a rotated sshd log (the bundled CLI)', () => {
  it('counts each attempt once, a `message repeated N times` line as N', async () => {
    const run = await cli.run([
      'audit',
      '--verdicts',
      paths.verdictLog,
      '--fail2ban-log',
      paths.fail2banLog,
      '--auth-log',
      paths.authLog,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      sources: { authFiles: string[] };
      campaigns: Array<{
        topUsers: Array<{ user: string; count: number }>;
        members: Array<{ ip: string; attempts: number }>;
      }>;
    };
    expect(report.sources.authFiles.map((f) => f.split('/').pop())).toEqual(['auth.log.1', 'auth.log']);
    const [campaign] = report.campaigns;
    const attempts = Object.fromEntries(campaign!.members.map((m) => [m.ip, m.attempts]));
    // One try straddling the rotation (it was two: each file had its own parser), and 1 + 5 tries of root.
    expect(attempts).toEqual({ '5.36.59.76': 6, '103.99.0.122': 1 });
    expect(campaign!.topUsers).toEqual([
      { user: 'root', count: 6 },
      { user: 'admin', count: 1 },
    ]);
  }, 120_000);
});
