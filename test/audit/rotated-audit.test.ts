import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditFilters } from '../../src/audit/audit-builder.js';
import { memberStatus } from '../../src/audit/audit-report.js';
import { renderHtml } from '../../src/audit/report-html.js';
import { reportToJson } from '../../src/audit/report-json.js';
import { renderTable } from '../../src/audit/report-table.js';
import { runAudit } from '../../src/audit/run-audit.js';
import type { Verdict } from '../../src/core/verdict.js';
import {
  ban,
  campaignVerdict,
  fail2banLine,
  removeTempDir,
  tempDir,
  verdictLines,
  writeRotated,
} from './log-writers.js';

const D = Date.parse('2026-02-13T00:00:00Z');
const H = 3_600_000;
const at = (day: number, hours: number, seconds = 0) => D + day * 86_400_000 + hours * H + seconds * 1000;
const alert: Verdict = {
  time: at(1, 12, 10),
  verb: 'ALERT',
  fields: [
    ['kind', 'compromise'],
    ['ip', '203.0.113.2'],
    ['user', 'oracle'],
    ['campaign', 'c-aaaa'],
    ['reason', 'member'],
    ['signals', 'rhythm'],
    ['method', 'password'],
  ],
};

/** Four days of verdicts, oldest chunk first, as logrotate leaves them (.3.gz .2.gz .1 current). */
const chunks: Verdict[][] = [
  [
    campaignVerdict(at(0, 10), 'c-aaaa', 'open', 3, 'rhythm+dictionary'),
    ban(at(0, 10, 1), '203.0.113.1', 'c-aaaa', 'rhythm', 'root'),
    ban(at(0, 10, 2), '203.0.113.2', 'c-aaaa', 'rhythm', 'admin'),
    ban(at(0, 10, 3), '203.0.113.3', 'c-aaaa', 'rhythm', '<script>alert(1)</script>'),
  ],
  [
    campaignVerdict(at(1, 9), 'c-aaaa', 'grow', 6, 'rhythm+dictionary+prefix'),
    ban(at(1, 9, 1), '203.0.113.4', 'c-aaaa', 'fingerprint', 'root'),
    ban(at(1, 9, 1), '203.0.113.5', 'c-aaaa', 'fingerprint', 'root'),
    ban(at(1, 9, 1), '198.51.100.6', 'c-aaaa', 'fingerprint', 'oracle'),
  ],
  [ban(at(1, 12), '198.51.100.7', 'c-aaaa', 'fingerprint'), alert],
  [
    ban(at(2, 14), '198.51.100.8', 'c-aaaa', 'fingerprint'),
    campaignVerdict(at(2, 15), 'c-aaaa', 'end', 8, 'rhythm+dictionary+prefix'),
    campaignVerdict(at(2, 16), 'c-bbbb', 'open', 1, 'probe-lifetime'),
    ban(at(2, 16, 1), '192.0.2.9', 'c-bbbb', 'probe-lifetime'),
  ],
];

const fail2ban = [
  [
    fail2banLine(at(0, 9), 'server', 'INFO', 'Starting Fail2ban v1.0.2'),
    fail2banLine(at(0, 9, 1), 'jail', 'INFO', "Jail 'sshd' started"),
    fail2banLine(at(0, 9, 1), 'jail', 'INFO', "Jail 'f2b-campaign' started"),
    fail2banLine(at(0, 10, 2), 'actions', 'NOTICE', '[f2b-campaign] Ban 203.0.113.1'),
    fail2banLine(at(0, 10, 3), 'actions', 'NOTICE', '[f2b-campaign] Ban 203.0.113.2'),
    fail2banLine(at(0, 10, 4), 'actions', 'NOTICE', '[f2b-campaign] Ban 203.0.113.3'),
    fail2banLine(at(1, 8), 'actions', 'NOTICE', '[sshd] Ban 203.0.113.5'),
  ],
  [
    fail2banLine(at(1, 9, 2), 'filter', 'INFO', '[f2b-campaign] Ignore 203.0.113.4 by ip'),
    fail2banLine(at(1, 9, 2), 'actions', 'NOTICE', '[f2b-campaign] Ban 198.51.100.6'),
    fail2banLine(at(1, 11, 3540), 'server', 'INFO', 'Shutdown in progress...'),
    fail2banLine(at(1, 11, 3541), 'jail', 'INFO', "Jail 'f2b-campaign' stopped"),
    fail2banLine(at(1, 11, 3542), 'server', 'INFO', 'Exiting Fail2ban'),
    fail2banLine(at(2, 13), 'server', 'INFO', 'Starting Fail2ban v1.0.2'),
    fail2banLine(at(2, 13, 1), 'jail', 'INFO', "Jail 'f2b-campaign' started"),
    fail2banLine(at(2, 14, 5), 'actions', 'NOTICE', '[f2b-campaign] Ban 198.51.100.8'),
    fail2banLine(at(2, 14, 605), 'actions', 'NOTICE', '[f2b-campaign] Unban 198.51.100.8'),
  ],
];

let dir = '';
const audit = (filters: AuditFilters = {}) =>
  runAudit({
    verdictLog: join(dir, 'verdicts.log'),
    fail2banLog: join(dir, 'fail2ban.log'),
    jail: 'f2b-campaign',
    matchWindow: 86_400_000,
    filters,
    now: at(3, 0),
  });

beforeAll(() => {
  dir = tempDir('rotated');
  writeRotated(join(dir, 'verdicts.log'), chunks.map(verdictLines));
  writeRotated(join(dir, 'fail2ban.log'), fail2ban);
  // logrotate leaves each rotated file with the time of its last line.
  const names = ['verdicts.log.3.gz', 'verdicts.log.2.gz', 'verdicts.log.1', 'verdicts.log'];
  names.forEach((name, i) => {
    const last = chunks[i]!.at(-1)!.time / 1000;
    utimesSync(join(dir, name), last, last);
  });
});

afterAll(() => removeTempDir(dir));

describe('audit over rotated and gzipped logs', () => {
  it('reads every rotation in order and reconciles each BAN verdict with fail2ban', async () => {
    const report = await audit();
    expect(report.sources.verdictFiles.map((f) => f.split('/').pop())).toEqual([
      'verdicts.log.3.gz',
      'verdicts.log.2.gz',
      'verdicts.log.1',
      'verdicts.log',
    ]);
    expect(report.sources.verdictLines).toBe(14);
    expect(report.campaigns.map((c) => [c.id, c.memberCount, [...c.signals].join('+')])).toEqual([
      ['c-aaaa', 8, 'rhythm+dictionary+prefix'],
      ['c-bbbb', 1, 'probe-lifetime'],
    ]);
    const a = report.campaigns[0]!;
    expect(a.end).toBe(at(2, 15));
    expect(a.alerts).toBe(1);
    const outcome = (ip: string) => {
      const o = a.members.get(ip)!.verdicts[0]!.outcome;
      return o.status === 'not-banned' ? o.why : o.status;
    };
    expect(Object.fromEntries([...a.members.keys()].map((ip) => [ip, outcome(ip)]))).toEqual({
      '203.0.113.1': 'banned',
      '203.0.113.2': 'banned',
      '203.0.113.3': 'banned',
      '203.0.113.4': 'ignoreip',
      '203.0.113.5': 'other-jail',
      '198.51.100.6': 'banned',
      '198.51.100.7': 'fail2ban-down',
      '198.51.100.8': 'banned',
    });
    expect(a.members.get('198.51.100.8')!.banPeriods).toEqual([[at(2, 14, 5), at(2, 14, 605)]]);
    expect(memberStatus(report.campaigns[1]!.members.get('192.0.2.9')!)).toBe('not-banned');
    expect(report.fail2banUptime).toEqual([
      [at(0, 9, 1), at(1, 11, 3541)],
      [at(2, 13, 1), Number.POSITIVE_INFINITY],
    ]);
  });

  it('filters by time, skipping rotated files written before --since unread', async () => {
    const report = await audit({ since: at(1, 10) });
    expect(report.sources.verdictFiles.map((f) => f.split('/').pop())).toEqual(['verdicts.log.1', 'verdicts.log']);
    expect([...report.campaigns[0]!.members.keys()]).toEqual(['198.51.100.7', '198.51.100.8']);
    const until = await audit({ until: at(0, 23) });
    expect(until.campaigns.map((c) => c.members.size)).toEqual([3]);
  });

  it('filters by campaign and lists its members one by one in the table', async () => {
    const report = await audit({ campaign: 'c-bbbb' });
    expect(report.campaigns.map((c) => c.id)).toEqual(['c-bbbb']);
    const text = renderTable(report);
    expect(text).toContain('192.0.2.9');
    expect(text).toMatch(/NOT banned: unknown: jail f2b-campaign was running but its log never names this address/);
  });

  it('explains one address: its verdict, the other jail that held it, and why this jail did not ban it', async () => {
    const report = await audit({ ip: '203.0.113.5' });
    expect(report.explain!.verdicts.map((v) => v.verb)).toEqual(['BAN']);
    expect(report.explain!.fail2ban.map((e) => `${e.jail} ${e.type}`)).toEqual(['sshd ban']);
    const text = renderTable(report);
    expect(text).toContain('NOT banned: other-jail: already banned by jail sshd since 2026-02-14T08:00:00.000Z');
    expect(report.campaigns.map((c) => c.id)).toEqual(['c-aaaa']);
  });

  it('renders the table, JSON and a self-contained HTML report with usernames escaped', async () => {
    const report = await audit();
    const text = renderTable(report);
    expect(text).toMatch(
      /c-aaaa\s+2026-02-13 10:00:00\s+2026-02-15 15:00:00\s+8\s+5\s+3\s+1\s+rhythm\+dictionary\+prefix/,
    );
    expect(text).toContain('fail2ban-down');
    const json = JSON.parse(JSON.stringify(reportToJson(report)));
    expect(json.campaigns[0].topUsers[0]).toEqual({ user: 'root', count: 3 });
    expect(json.campaigns[0].prefixes[0]).toEqual({ prefix: '203.0.113.0/24', members: 5 });
    expect(json.alerts).toEqual([expect.objectContaining({ kind: 'compromise', ip: '203.0.113.2' })]);
    const page = renderHtml(report);
    expect(page).not.toContain('<script>');
    expect(page).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(page).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(page.match(/<svg [^>]*aria-label="timeline of campaign/g)).toHaveLength(2);
  });
});
