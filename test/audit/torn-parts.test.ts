import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPartOf, readLine } from '../../src/audit/torn-parts.js';
import { banVerdict, type Verdict } from '../../src/core/verdict.js';
import { formatVerdictLine, restampVerdictLine, TORN_END } from '../../src/verdict/verdict-line.js';
import { runCli } from '../helpers/bundle-cli.js';
import { ban, campaignVerdict, fail2banLine } from './log-writers.js';
import { at, JAIL_STARTED, tornSuite } from './torn-suite.js';

/**
 * A verdict log as the service leaves it after a full disk tore a BAN line after `reason=` and a kill -9: the part,
 * ended by the restart, then the same verdict whole, written by the restarted service. fail2ban banned the address
 * from the part. The audit counted the part as a second BAN verdict of that member (found in review): it is one
 * verdict, and the part is reported as torn.
 */
const suite = tornSuite('torn');
const dir = suite.dir;

/** `rotated`: the part is the unfinished end of `.1` (renamed while the service was stopped), the whole line, owed, the new file's first. */
async function audit(name: string, ending: string, rotated: boolean, extra: string[] = []) {
  const part = formatVerdictLine(ban(at(0, 2), '192.0.2.2', 'c-1', 'dictionary+surge'), 812);
  const verdictLog = join(dir, `${name}-verdicts.log`);
  const fail2banLog = join(dir, `${name}-fail2ban.log`);
  const lines = [
    formatVerdictLine(campaignVerdict(at(0), 'c-1', 'open', 2, 'dictionary+surge'), 812),
    formatVerdictLine(ban(at(0, 1), '192.0.2.1', 'c-1', 'dictionary+surge'), 812),
    part.slice(0, part.indexOf(' reason=') + ' reason=dict'.length) + ending,
    formatVerdictLine(ban(at(5), '192.0.2.2', 'c-1', 'dictionary+surge'), 9001),
  ];
  if (rotated) {
    writeFileSync(`${verdictLog}.1`, lines.slice(0, 3).join('\n'));
    // Owed whole, as the run that tore it decided it, stamped when written (decided= keeps its time).
    writeFileSync(verdictLog, `${restampVerdictLine(part, at(5))}\n`);
  } else writeFileSync(verdictLog, `${lines.join('\n')}\n`);
  const fail2ban = [
    JAIL_STARTED,
    fail2banLine(at(0, 2), 'actions', 'NOTICE', '[f2b-campaign] Ban 192.0.2.1'),
    fail2banLine(at(0, 3), 'actions', 'NOTICE', '[f2b-campaign] Ban 192.0.2.2'),
    fail2banLine(at(5, 1), 'filter', 'INFO', '[f2b-campaign] Found 192.0.2.2 - 2026-02-15 10:05:00'),
    fail2banLine(at(5, 1), 'actions', 'NOTICE', '[f2b-campaign] 192.0.2.2 already banned'),
  ];
  writeFileSync(fail2banLog, `${fail2ban.join('\n')}\n`);
  return runCli(suite.cli, ['audit', '--verdicts', verdictLog, '--fail2ban-log', fail2banLog, ...extra]);
}

describe('f2b-campaign audit on a verdict log with a torn part (the bundled CLI)', () => {
  it.each([
    ['ended with a newline alone, by an earlier version', '', false],
    ['marked by the restart', TORN_END, false],
    ['left unfinished in .1 by a rotation, the line whole in the new file', '', true],
  ])('counts a part torn after reason= as torn, not as a second BAN verdict (%s)', async (name, ending, rotated) => {
    const run = await audit(name.split(' ')[2]!, ending, rotated, ['--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    const members = report.campaigns[0].members as Array<{ ip: string; verdicts: Array<{ outcome: unknown }> }>;
    const torn = members.find((m) => m.ip === '192.0.2.2')!;
    // One verdict, banned by fail2ban from the part, as it read it.
    expect(torn.verdicts).toHaveLength(1);
    expect(torn.verdicts[0]?.outcome).toMatchObject({ status: 'banned', at: new Date(at(0, 3)).toISOString() });
    expect(report.sources).toMatchObject({ verdictLines: 4, tornLines: 1, malformedLines: 0 });
    // fail2ban's Ban from the part answers the verdict: no ban left unexplained.
    expect(report.unexplainedBans).toEqual([]);

    const page = join(dir, `${name.split(' ')[2]!}.html`);
    const table = await audit(`${name.split(' ')[2]!}-table`, ending, rotated, ['--html', page]);
    expect(table.stdout).toMatch(
      /read 4 verdict line\(s\) from [12] file\(s\), 1 torn by a full disk \(no verdicts\);/,
    );
    // The page says it too (it said nothing of torn lines: found in review).
    expect(readFileSync(page, 'utf8')).toMatch(
      /4 verdict lines from\s+[12] file\(s\), 1 torn by a full disk \(no verdicts\),/,
    );
  });
});

/**
 * The restart marks any part it ends, whatever its verb. Only a BAN's part has a consequence (fail2ban bans from it);
 * an ALERT's or a CAMPAIGN's is nothing but torn. The audit read a marked ALERT cut inside its address as an alert of
 * its own, naming a bystander (`ip=58.93.235.14` of `.143`), beside the whole one the restart wrote, and a marked
 * CAMPAIGN part as a second `open` event (found in review).
 */
describe('f2b-campaign audit on a part of an ALERT or a CAMPAIGN line (the bundled CLI)', () => {
  const alert: Verdict = {
    time: at(1),
    verb: 'ALERT',
    fields: [
      ['kind', 'compromise'],
      ['ip', '58.93.235.143'],
      ['user', 'oracle'],
      ['campaign', 'c-1'],
      ['reason', 'member'],
      ['signals', 'dictionary+surge'],
      ['method', 'password'],
    ],
  };
  const whole = formatVerdictLine(alert, 812);
  const cutInIp = whole.slice(0, whole.indexOf('ip=58.93.235.14') + 'ip=58.93.235.14'.length);

  it('counts marked ones as torn: one alert, of the whole address, one open event, no verdict for the cut address', async () => {
    const open = formatVerdictLine(campaignVerdict(at(0), 'c-1', 'open', 12, 'dictionary+surge'), 812);
    const verdictLog = join(dir, 'alert-verdicts.log');
    const fail2banLog = join(dir, 'alert-fail2ban.log');
    writeFileSync(
      verdictLog,
      `${[
        open.slice(0, open.indexOf(' members=1') + ' members=1'.length) + TORN_END,
        open,
        formatVerdictLine(ban(at(0, 1), '192.0.2.1', 'c-1', 'dictionary+surge'), 812),
        cutInIp + TORN_END,
        restampVerdictLine(whole, at(5)),
      ].join('\n')}\n`,
    );
    writeFileSync(
      fail2banLog,
      `${[JAIL_STARTED, fail2banLine(at(0, 2), 'actions', 'NOTICE', '[f2b-campaign] Ban 192.0.2.1')].join('\n')}\n`,
    );
    const args = ['audit', '--verdicts', verdictLog, '--fail2ban-log', fail2banLog, '--json'];
    const run = await runCli(suite.cli, args);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.sources).toMatchObject({ verdictLines: 5, tornLines: 2, malformedLines: 0 });
    expect(report.alerts.map((a: { ip: string }) => a.ip)).toEqual(['58.93.235.143']);
    expect(report.campaigns[0].events.map((e: { members: number }) => e.members)).toEqual([12]);
    const cut = JSON.parse((await runCli(suite.cli, [...args, '--ip', '58.93.235.14'])).stdout);
    expect(cut.explain.verdicts).toEqual([]);
  });

  // An earlier version ended any part with a newline alone: an ALERT needed only `kind`, and one cut inside its
  // address was an alert of a bystander. Every ALERT has `user` after its addresses (docs/verdict-line.md).
  it('counts an ALERT cut inside its address and ended with a newline alone as torn', async () => {
    const verdictLog = join(dir, 'alert-plain-verdicts.log');
    const fail2banLog = join(dir, 'alert-plain-fail2ban.log');
    writeFileSync(verdictLog, `${[cutInIp, restampVerdictLine(whole, at(5))].join('\n')}\n`);
    writeFileSync(fail2banLog, `${JAIL_STARTED}\n`);
    const run = await runCli(suite.cli, ['audit', '--verdicts', verdictLog, '--fail2ban-log', fail2banLog, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.sources).toMatchObject({ verdictLines: 2, tornLines: 1, malformedLines: 0 });
    expect(report.alerts.map((a: { ip: string }) => a.ip)).toEqual(['58.93.235.143']);
  });
});

/**
 * Two whole BAN lines of one address, the later the earlier with a field more: a compromise ban, and after bantime
 * its address logs in again and is banned again, its earlier login now a recent success it overrides. The audit took
 * the first for a part of the second (a line an earlier version ended at a field's end reads the same): one verdict,
 * shown banned by the first Ban, the second Ban unexplained, and a torn line counted where no disk was full (found
 * in review).
 */
describe('f2b-campaign audit on a later BAN line that extends an earlier one by an optional field (the bundled CLI)', () => {
  it('keeps both verdicts, each answered by its own Ban, and counts nothing torn', async () => {
    const verdictLog = join(dir, 'again-verdicts.log');
    const fail2banLog = join(dir, 'again-fail2ban.log');
    const again = at(120);
    writeFileSync(
      verdictLog,
      `${[
        formatVerdictLine(campaignVerdict(at(0), 'c-1', 'open', 2, 'dictionary+surge'), 812),
        formatVerdictLine(banVerdict(at(1), '198.51.100.7', 'c-1', 'compromise+member'), 812),
        formatVerdictLine(
          banVerdict(again, '198.51.100.7', 'c-1', 'compromise+member', [['protection', 'overridden']]),
          812,
        ),
      ].join('\n')}\n`,
    );
    writeFileSync(
      fail2banLog,
      `${[
        JAIL_STARTED,
        fail2banLine(at(1, 1), 'actions', 'NOTICE', '[f2b-campaign] Ban 198.51.100.7'),
        fail2banLine(at(61, 1), 'actions', 'NOTICE', '[f2b-campaign] Unban 198.51.100.7'),
        fail2banLine(again + 1000, 'actions', 'NOTICE', '[f2b-campaign] Ban 198.51.100.7'),
      ].join('\n')}\n`,
    );
    const run = await runCli(suite.cli, ['audit', '--verdicts', verdictLog, '--fail2ban-log', fail2banLog, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.sources).toMatchObject({ verdictLines: 3, tornLines: 0, malformedLines: 0 });
    const member = report.campaigns[0].members.find((m: { ip: string }) => m.ip === '198.51.100.7');
    expect(member.verdicts.map((v: { outcome: { status: string; at: string } }) => v.outcome)).toMatchObject([
      { status: 'banned', at: new Date(at(1, 1)).toISOString() },
      { status: 'banned', at: new Date(again + 1000).toISOString() },
    ]);
    expect(report.unexplainedBans).toEqual([]);
  });
});

describe('isPartOf', () => {
  const line = (text: string) => readLine(`2026-02-15T10:00:00.000Z f2b-campaign[812]: ${text}`).record!;
  const first = line('BAN ip=192.0.2.2 campaign=c-1 reason=dictionary+surge match=join attempts=2 probes=0');

  it('takes a line cut anywhere after its required keys for a part of the whole', () => {
    expect(isPartOf(line('BAN ip=192.0.2.2 campaign=c-1 reason=dict'), first)).toBe(true);
    expect(isPartOf(line('BAN ip=192.0.2.2 campaign=c-1 reason=dictionary+surge match=join attempts=2'), first)).toBe(
      true,
    );
  });

  it('takes no whole line for a part: the same line again, a return of the address, another campaign', () => {
    expect(isPartOf(first, first)).toBe(false);
    // Every key, and a newline: whole, though a later line's last value goes on from its own.
    const probes = (n: number) =>
      line(`BAN ip=192.0.2.2 campaign=c-1 reason=dictionary match=join attempts=2 probes=${n}`);
    expect(isPartOf(probes(1), probes(12))).toBe(false);
    expect(isPartOf(probes(1), probes(12), true)).toBe(true);
    const back = line('BAN ip=192.0.2.2 campaign=c-1 reason=member match=return attempts=1 probes=0');
    expect(isPartOf(first, back)).toBe(false);
    expect(isPartOf(line('BAN ip=192.0.2.2 campaign=c-2 reason=dict'), first)).toBe(false);
  });

  it('reads a line the restart marked as a part, and one cut inside a quoted value as a part with no verdict', () => {
    expect(
      readLine(`2026-02-15T10:00:00.000Z f2b-campaign[812]: BAN ip=192.0.2.2 campaign=c-1 reason=d${TORN_END}`),
    ).toMatchObject({ torn: true, record: { verb: 'BAN' } });
    expect(readLine('2026-02-15T10:00:00.000Z f2b-campaign[812]: ALERT kind=compromise user="ro')).toEqual({
      record: null,
      torn: true,
    });
    expect(readLine('# a comment')).toEqual({ record: null, torn: false });
    // Without its newline (the file ends there), or without a key every such BAN carries: a part that names its BAN.
    const whole = '2026-02-15T10:00:00.000Z f2b-campaign[812]: BAN ip=192.0.2.2 campaign=c-1 reason=d match=join';
    expect(readLine(`${whole} attempts=2 probes=0`)).toMatchObject({ torn: false, record: { verb: 'BAN' } });
    expect(readLine(`${whole} attempts=2 probes=0`, false)).toMatchObject({ torn: true, record: { verb: 'BAN' } });
    expect(readLine(`${whole} attempts=2`)).toMatchObject({ torn: true, record: { verb: 'BAN' } });
  });
});
