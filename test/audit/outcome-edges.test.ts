import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/audit/report-html.js';
import { reportToJson } from '../../src/audit/report-json.js';
import { describeOutcome, renderTable } from '../../src/audit/report-table.js';
import { runAudit } from '../../src/audit/run-audit.js';
import type { Verdict } from '../../src/core/verdict.js';
import { ban, campaignVerdict, fail2banLine, removeTempDir, tempDir, verdictLines } from './log-writers.js';

/**
 * The outcomes docs/audit.md promises at their edges, each as an operator's logs show it. Written in the mutation
 * audit of session 31: every case here let a plausible one-line change of src/audit pass the area's tests.
 */

const T = Date.parse('2026-02-15T10:00:00Z');
const M = 60_000;
const at = (minutes: number, seconds = 0) => T + minutes * M + seconds * 1000;
const IP = '198.51.100.7';
const STARTED = fail2banLine(at(-30), 'jail', 'INFO', "Jail 'f2b-campaign' started");

let dir = '';
beforeAll(() => {
  dir = tempDir('outcome-edges');
});
afterAll(() => removeTempDir(dir));

async function audit(name: string, verdicts: Verdict[], fail2ban: string[], authLog?: string) {
  const verdictLog = join(dir, `${name}-verdicts.log`);
  const fail2banLog = join(dir, `${name}-fail2ban.log`);
  writeFileSync(verdictLog, `${verdictLines(verdicts).join('\n')}\n`);
  writeFileSync(fail2banLog, `${fail2ban.join('\n')}\n`);
  return runAudit({
    verdictLog,
    fail2banLog,
    ...(authLog !== undefined && { authLogs: [authLog] }),
    jail: 'f2b-campaign',
    matchWindow: 86_400_000,
    filters: {},
    now: at(6000),
  });
}

type Report = Awaited<ReturnType<typeof audit>>;
const outcomes = (report: Report, ip = IP) =>
  report.campaigns[0]!.members.get(ip)!.verdicts.map((v) => {
    const o = v.outcome;
    return o.status === 'not-banned' ? `${o.why}: ${o.detail}` : o.status;
  });
const open = campaignVerdict(at(0), 'c-1', 'open', 1, 'rhythm');

describe('audit outcomes at their edges', () => {
  it('takes a Ban logged up to 2 s before the verdict (fail2ban and the verdict log round differently) as its answer', async () => {
    const report = await audit(
      'early',
      [open, ban(at(1, 10), IP, 'c-1', 'rhythm')],
      [STARTED, fail2banLine(at(1, 9), 'actions', 'NOTICE', `[f2b-campaign] Ban ${IP}`)],
    );
    expect(outcomes(report)).toEqual(['banned']);
    expect(report.unexplainedBans).toEqual([]);
  });

  it("says already banned from fail2ban's own `already banned`, when the Ban is in a log rotated away", async () => {
    // The current fail2ban.log begins after the Ban: only fail2ban's answer to the verdict tells it was in force.
    const report = await audit(
      'noticed',
      [open, ban(at(1), IP, 'c-1', 'rhythm')],
      [STARTED, fail2banLine(at(1, 1), 'actions', 'NOTICE', `[f2b-campaign] ${IP} already banned`)],
    );
    expect(outcomes(report)).toEqual(['already-banned']);
    expect(renderTable(report)).not.toContain('NOT banned');
  });

  it('calls a verdict written while the jail was down, the jail back within the match window, unknown: not fail2ban-down', async () => {
    // fail2ban came back 10 min later and read the log: had it banned, the Ban would answer; it never named the address.
    const report = await audit(
      'back',
      [open, ban(at(1), IP, 'c-1', 'rhythm')],
      [
        STARTED,
        fail2banLine(at(0, 30), 'jail', 'INFO', "Jail 'f2b-campaign' stopped"),
        fail2banLine(at(11), 'jail', 'INFO', "Jail 'f2b-campaign' started"),
      ],
    );
    expect(outcomes(report)).toEqual([expect.stringMatching(/^unknown: /)]);
  });

  it("takes `Exiting Fail2ban` as the end of the jail, though no `Jail 'x' stopped` line came before it", async () => {
    // The server's exit ends every jail: a verdict written after it was never read.
    const report = await audit(
      'exiting',
      [open, ban(at(5), IP, 'c-1', 'rhythm')],
      [STARTED, fail2banLine(at(1), 'server', 'INFO', 'Exiting Fail2ban')],
    );
    expect(outcomes(report)).toEqual([
      expect.stringMatching(/^fail2ban-down: jail f2b-campaign stopped at 2026-02-15T10:01:00/),
    ]);
  });

  it('shows a ban more than 60 s after its verdict as late, one within 60 s as not', async () => {
    const other = '198.51.100.8';
    const report = await audit(
      'late',
      [open, ban(at(1), IP, 'c-1', 'rhythm'), ban(at(1), other, 'c-1', 'rhythm')],
      [
        STARTED,
        fail2banLine(at(1, 50), 'actions', 'NOTICE', `[f2b-campaign] Ban ${other}`),
        fail2banLine(at(2, 30), 'actions', 'NOTICE', `[f2b-campaign] Ban ${IP}`),
      ],
    );
    const said = (ip: string) => report.campaigns[0]!.members.get(ip)!.verdicts.map((v) => describeOutcome(v.outcome));
    expect(said(IP)).toEqual(['banned 2026-02-15 10:02:30 (90 s late)']);
    expect(said(other)).toEqual(['banned 2026-02-15 10:01:50']);
  });
});

describe("audit: a member's bans on the timeline", () => {
  it("are the jail's own, each until its Unban; another jail's ban is not one", async () => {
    const report = await audit(
      'periods',
      [open, ban(at(1), IP, 'c-1', 'rhythm')],
      [
        STARTED,
        fail2banLine(at(0, 30), 'actions', 'NOTICE', `[sshd] Ban ${IP}`),
        fail2banLine(at(1, 1), 'actions', 'NOTICE', `[f2b-campaign] Ban ${IP}`),
        fail2banLine(at(11, 1), 'actions', 'NOTICE', `[f2b-campaign] Unban ${IP}`),
      ],
    );
    const json = reportToJson(report) as { campaigns: Array<{ members: Array<{ banPeriods: unknown }> }> };
    expect(json.campaigns[0]!.members[0]!.banPeriods).toEqual([
      { ban: '2026-02-15T10:01:01.000Z', unban: '2026-02-15T10:11:01.000Z' },
    ]);
  });

  it('draws an already-banned verdict as a verdict, not as one fail2ban did not carry out', async () => {
    const report = await audit(
      'drawn',
      [open, ban(at(1), IP, 'c-1', 'rhythm'), ban(at(2), IP, 'c-1', 'rhythm')],
      [STARTED, fail2banLine(at(1, 1), 'actions', 'NOTICE', `[f2b-campaign] Ban ${IP}`)],
    );
    expect(outcomes(report)).toEqual(['banned', 'already-banned']);
    const page = renderHtml(report);
    expect(page.match(/class="verdict"/g)).toHaveLength(2);
    expect(page).not.toContain('class="missed"');
  });
});

describe('audit --auth-log: attempts that belong to the campaign', () => {
  it('counts pre-auth probes, and no attempt more than 6 h after the campaign ended', async () => {
    const stamp = (t: number) => new Date(t).toISOString().replace('Z', '000+00:00');
    const authLog = join(dir, 'window-auth.log');
    writeFileSync(
      authLog,
      [
        `${stamp(at(0, 30))} web1 sshd[2001]: Failed password for root from ${IP} port 40001 ssh2`,
        `${stamp(at(0, 40))} web1 sshd[2002]: Connection closed by ${IP} port 40002 [preauth]`,
        // The campaign ended at 10:05: 6 h later is 16:05.
        `${stamp(at(5 + 359))} web1 sshd[2003]: Failed password for root from ${IP} port 40003 ssh2`,
        `${stamp(at(5 + 361))} web1 sshd[2004]: Failed password for admin from ${IP} port 40004 ssh2`,
      ]
        .map((l) => `${l}\n`)
        .join(''),
    );
    const report = await audit(
      'window',
      [open, ban(at(1), IP, 'c-1', 'rhythm'), campaignVerdict(at(5), 'c-1', 'end', 1, 'rhythm')],
      [STARTED, fail2banLine(at(1, 1), 'actions', 'NOTICE', `[f2b-campaign] Ban ${IP}`)],
      authLog,
    );
    const member = report.campaigns[0]!.members.get(IP)!;
    expect(member.attempts).toEqual([at(0, 30), at(0, 40), at(5 + 359)]);
    expect([...report.campaigns[0]!.users]).toEqual([['root', 2]]);
  });
});
