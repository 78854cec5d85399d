import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/core/verdict.js';
import { formatVerdictLine, restampVerdictLine, TORN_END } from '../../src/verdict/verdict-line.js';
import { ban, campaignVerdict, fail2banLine } from './log-writers.js';
import { at, cut, f2bBan, tornSuite } from './torn-suite.js';

/**
 * Parts an earlier version ended with a newline alone (before the ` (torn)` mark) that read as whole lines: an ALERT
 * cut inside its campaign id was an alert of another campaign, and a `repeat=rotation` copy cut before ` repeat=` a
 * second BAN verdict of its address (both found in review).
 */
const suite = tornSuite('torn-alerts');

interface Report {
  sources: { tornLines: number; malformedLines: number; verdictLines: number };
  campaigns: Array<{
    id: string;
    alerts: number;
    members: Array<{ ip: string; verdicts: Array<{ outcome: unknown }> }>;
  }>;
  alerts: Array<Record<string, string>>;
}

/** `rotated`: the text of the verdict log's `.1`, read before it. */
async function audit(name: string, verdicts: string, fail2ban: string[], rotated = ''): Promise<Report> {
  if (rotated !== '') writeFileSync(join(suite.dir, `${name}-verdicts.log.1`), rotated);
  return JSON.parse(await suite.audit(name, verdicts, fail2ban, ['--json'])) as Report;
}

/** A lateral ALERT's fields: oracle, logged in from 198.51.100.23, opened an SMB connection `sinceLogin` s later. */
const lateralFields = (sinceLogin: number, campaign: string): Verdict['fields'] => [
  ['kind', 'lateral'],
  ['reason', 'smb'],
  ['local_ip', '10.0.0.5'],
  ['local_port', 41005],
  ['remote_ip', '10.0.0.20'],
  ['remote_port', 445],
  ['lifetime', 0],
  ['since_login', sinceLogin],
  ['login_ip', '198.51.100.23'],
  ['user', 'oracle'],
  ['campaign', campaign],
];

describe('an ALERT cut inside its campaign id, ended with a newline alone (the bundled CLI)', () => {
  const ID = 'c-202602151000-12';
  const OPEN = formatVerdictLine(campaignVerdict(at(0), ID, 'open', 12, 'dictionary+surge'), 812);
  const compromise = (campaign: string): Verdict => ({
    time: at(1),
    verb: 'ALERT',
    fields: [
      ['kind', 'compromise'],
      ['ip', '198.51.100.23'],
      ['user', 'oracle'],
      ['campaign', campaign],
      ['reason', 'member'],
      ['signals', 'dictionary+surge'],
      ['method', 'password'],
    ],
  });
  const lateral = (campaign: string): Verdict => ({ time: at(3), verb: 'ALERT', fields: lateralFields(120, campaign) });
  const COMPROMISE = formatVerdictLine(compromise(ID), 812);
  const LATERAL = formatVerdictLine(lateral(ID), 812);

  it.each([
    ['a compromise ALERT, inside the sequence number', COMPROMISE, ' campaign=c-202602151000-1'],
    ['a compromise ALERT, inside the time', COMPROMISE, ' campaign=c-2026021510'],
  ])('%s: torn, and the whole line the restart wrote is the alert', async (name, whole, upTo) => {
    const lines = [OPEN, cut(whole, upTo), restampVerdictLine(whole, at(5))];
    const report = await audit(`alert-${name.split(' ').at(-1)}`, `${lines.join('\n')}\n`, []);
    expect(report.sources).toMatchObject({ verdictLines: 3, tornLines: 1, malformedLines: 0 });
    expect(report.alerts.map((a) => a.campaign)).toEqual([ID]);
    expect(report.campaigns.map((c) => [c.id, c.alerts])).toEqual([[ID, 1]]);
  });

  // A lateral ALERT ends with its campaign: what follows the cut is not missing. Its watch was opened by the
  // compromise ALERT of its login (ip and user), which names the whole id.
  it.each([
    ['inside the sequence number', ' campaign=c-202602151000-1', [COMPROMISE]],
    ['inside the time', ' campaign=c-20260215', [COMPROMISE]],
    ['inside the time, its compromise ALERT not read', ' campaign=c-20260215', []],
  ])('a lateral ALERT cut %s, its whole line lost: torn, no alert of it', async (name, upTo, before) => {
    const lines = [OPEN, ...before, cut(LATERAL, upTo)];
    const report = await audit(`lateral-${name.replaceAll(' ', '-')}`, `${lines.join('\n')}\n`, []);
    expect(report.sources).toMatchObject({ verdictLines: lines.length, tornLines: 1, malformedLines: 0 });
    expect(report.alerts.map((a) => a.kind)).toEqual(before.length === 0 ? [] : ['compromise']);
    expect(report.campaigns.map((c) => [c.id, c.alerts])).toEqual([[ID, before.length]]);
  });

  it("reads a whole lateral ALERT whose campaign is its login's, though a longer id begins with it", async () => {
    const short = 'c-202602151000-1';
    const lines = [
      formatVerdictLine(campaignVerdict(at(0), short, 'open', 3, 'rhythm'), 812),
      OPEN,
      formatVerdictLine(compromise(short), 812),
      formatVerdictLine(lateral(short), 812),
    ];
    const report = await audit('lateral-whole', `${lines.join('\n')}\n`, []);
    expect(report.sources).toMatchObject({ verdictLines: 4, tornLines: 0, malformedLines: 0 });
    expect(report.alerts.map((a) => [a.kind, a.campaign])).toEqual([
      ['compromise', short],
      ['lateral', short],
    ]);
  });
});

/**
 * The same parts where a value the grammar fixes, or the campaign of a lateral ALERT whose login's compromise ALERT was
 * not read, is cut short: they read as whole lines (found in review), a compromise ALERT with its method cut as a
 * second alert of its login, and a lateral ALERT as an alert of another campaign, one that may not exist.
 */
describe('an ALERT cut inside its last value, ended with a newline alone (the bundled CLI)', () => {
  const ID = 'c-202602151000-12';
  const SHORT = 'c-202602151000-1';
  const OPEN = formatVerdictLine(campaignVerdict(at(0), ID, 'open', 12, 'dictionary+surge'), 812);
  const alert = (fields: Verdict['fields'], time = at(1)) => formatVerdictLine({ time, verb: 'ALERT', fields }, 812);
  const compromise = (method: string) =>
    alert([
      ['kind', 'compromise'],
      ['ip', '198.51.100.23'],
      ['user', 'oracle'],
      ['campaign', ID],
      ['reason', 'member'],
      ['signals', 'dictionary+surge'],
      ['method', method],
    ]);
  // A connection seen 25 minutes after a login at 10:05, whose compromise ALERT is in a file rotated away.
  const lateral = (campaign: string) => alert(lateralFields(1500, campaign), at(30));
  const campaignLine = (time: number, id: string, event: string) =>
    formatVerdictLine(campaignVerdict(time, id, event, 3, 'rhythm'), 812);
  const MEMBER = formatVerdictLine(ban(at(20), '192.0.2.7', ID, 'dictionary+surge'), 812);

  it.each([
    ['password', ' method=pass', true],
    ['password', ' method=pass', false],
    ['keyboard-interactive/pam', ' method=keyboard-interactive/p', true],
    ['publickey', ' method=', false],
  ])(
    'a compromise ALERT of method=%s cut at "%s" (whole line after it: %s): torn, no alert of the part',
    async (method, upTo, again) => {
      const whole = compromise(method);
      const lines = [OPEN, cut(whole, upTo), ...(again ? [restampVerdictLine(whole, at(5))] : [])];
      const report = await audit(`method-${method.slice(0, 4)}-${upTo.length}-${again}`, `${lines.join('\n')}\n`, []);
      expect(report.sources).toMatchObject({ verdictLines: lines.length, tornLines: 1, malformedLines: 0 });
      expect(report.alerts.map((a) => a.method)).toEqual(again ? [method] : []);
      expect(report.campaigns.map((c) => [c.id, c.alerts])).toEqual([[ID, again ? 1 : 0]]);
    },
  );

  it('reads a whole compromise ALERT whose method sshd names as we do not know', async () => {
    const lines = [OPEN, compromise('passkey')];
    const report = await audit('method-unknown', `${lines.join('\n')}\n`, []);
    expect(report.sources).toMatchObject({ verdictLines: 2, tornLines: 0, malformedLines: 0 });
    expect(report.alerts.map((a) => a.method)).toEqual(['passkey']);
  });

  // Its login's compromise ALERT not read, the campaign is told by the lines read before it: an id one of them names
  // that begins with the alert's is its campaign cut short, unless the alert's own is a campaign read that was live at
  // the login (opened before it, not ended).
  it.each([
    ['only its own campaign read', [OPEN, MEMBER]],
    [
      `another campaign ${SHORT} read, which ended before the login`,
      [campaignLine(at(0), SHORT, 'open'), OPEN, campaignLine(at(3), SHORT, 'end'), MEMBER],
    ],
    [`another campaign ${SHORT} read, opened after the login`, [OPEN, MEMBER, campaignLine(at(10), SHORT, 'open')]],
  ])('a lateral ALERT cut inside the number, %s: torn, no alert of another campaign', async (name, before) => {
    const lines = [...before, cut(lateral(ID), ` campaign=${SHORT}`)];
    const report = await audit(`lateral-number-${name.split(' ').at(-1)}`, `${lines.join('\n')}\n`, []);
    expect(report.sources).toMatchObject({ verdictLines: lines.length, tornLines: 1, malformedLines: 0 });
    expect(report.alerts).toEqual([]);
    // No campaign of the cut id where none was read.
    const ids = before.some((l) => l.includes(`id=${SHORT} `)) ? [SHORT, ID] : [ID];
    expect(report.campaigns.map((c) => [c.id, c.alerts]).sort()).toEqual(ids.map((id) => [id, 0]));
  });

  it(`reads a whole lateral ALERT of ${SHORT}, live at the login, beside ${ID}`, async () => {
    const lines = [campaignLine(at(0), SHORT, 'open'), OPEN, MEMBER, lateral(SHORT)];
    const report = await audit('lateral-number-whole', `${lines.join('\n')}\n`, []);
    expect(report.sources).toMatchObject({ verdictLines: 4, tornLines: 0, malformedLines: 0 });
    expect(report.alerts.map((a) => [a.kind, a.campaign])).toEqual([['lateral', SHORT]]);
  });
});

/**
 * A BAN written just before logrotate: the service wrote it again into the new file with ` repeat=rotation` (its
 * text, pid and time kept), and a full disk tore the copy; an earlier version ended the part with a newline alone.
 */
describe('a repeat=rotation copy torn (the bundled CLI)', () => {
  const OPEN = formatVerdictLine(campaignVerdict(at(0), 'c-1', 'open', 12, 'dictionary+surge'), 812);
  const ORIGINAL = formatVerdictLine(ban(at(1), '192.0.2.2', 'c-1', 'dictionary+surge'), 812);
  const NEXT = formatVerdictLine(ban(at(1, 30), '192.0.2.3', 'c-1', 'dictionary+surge'), 812);
  const copy = `${ORIGINAL} repeat=rotation`;

  it.each([
    ['just before repeat=, a newline after', ORIGINAL],
    ['just before repeat=, marked by the restart', ORIGINAL + TORN_END],
    ['inside repeat=', cut(copy, ' repeat=rot')],
  ])('%s: torn, and one verdict, whichever line fail2ban banned from', async (name, part) => {
    for (const [what, fail2ban] of [
      [
        'the original',
        [
          f2bBan(at(1, 1), '192.0.2.2'),
          fail2banLine(at(1, 6), 'actions', 'NOTICE', '[f2b-campaign] 192.0.2.2 already banned'),
        ],
      ],
      ['the copy', [f2bBan(at(1, 6), '192.0.2.2')]],
    ] as const) {
      const report = await audit(
        `copy-${name.split(' ').slice(-2).join('-')}-${what.split(' ')[1]}`,
        `${[part, NEXT].join('\n')}\n`,
        [...fail2ban, f2bBan(at(1, 31), '192.0.2.3')],
        `${[OPEN, ORIGINAL].join('\n')}\n`,
      );
      expect(report.sources, what).toMatchObject({ verdictLines: 4, tornLines: 1, malformedLines: 0 });
      const member = report.campaigns[0]!.members.find((m) => m.ip === '192.0.2.2')!;
      expect(
        member.verdicts.map((v) => v.outcome),
        what,
      ).toMatchObject([{ status: 'banned' }]);
    }
  });
});
