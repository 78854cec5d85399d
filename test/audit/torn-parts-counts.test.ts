import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { formatVerdictLine } from '../../src/verdict/verdict-line.js';
import { ban, campaignVerdict, fail2banLine } from './log-writers.js';
import { at, f2bBan, tornSuite } from './torn-suite.js';

/**
 * What the summary line says of torn parts (docs/audit.md). A part stands for its verdict where fail2ban banned from
 * it and no whole line of it followed: the table called every part "no verdicts" beside a member it showed banned by
 * that part. And with --ip, a line of another address that reads whole is found torn only by fail2ban's answer, which
 * --ip does not read for it: the counts changed with --ip and said nothing of it (both found in review).
 */
const suite = tornSuite('torn-counts');
const dir = suite.dir;
const OPEN = formatVerdictLine(campaignVerdict(at(0), 'c-1', 'open', 12, 'dictionary+surge'), 812);
const OTHER = formatVerdictLine(ban(at(0, 1), '192.0.2.1', 'c-1', 'dictionary+surge'), 812);

const audit = (name: string, verdicts: string[], fail2ban: string[], extra: string[]) =>
  suite.audit(name, `${verdicts.join('\n')}\n`, fail2ban, extra);

describe('the torn count of a part that stands for its verdict (the bundled CLI)', () => {
  // Cut after reason= and ended with a newline alone by an earlier version; its whole line was lost. fail2ban banned
  // from the part: the audit shows 192.0.2.2 banned by that verdict.
  const TORN = formatVerdictLine(ban(at(0, 3), '192.0.2.2', 'c-1', 'dictionary+surge'), 812);
  const part = TORN.slice(0, TORN.indexOf(' reason=') + ' reason=dict'.length);
  const fail2ban = [f2bBan(at(0, 2), '192.0.2.1'), f2bBan(at(0, 4), '192.0.2.2')];

  it('says the part stands for the BAN fail2ban banned from it, in the table, the JSON and the page', async () => {
    const page = join(dir, 'stands.html');
    const table = await audit('stands', [OPEN, part, OTHER], fail2ban, ['--html', page]);
    expect(table).toContain('read 3 verdict line(s) from 1 file(s), 1 torn by a full disk (1 standing for the BAN ');
    expect(table).toContain('1 standing for the BAN fail2ban banned from it);');
    expect(table).not.toContain('no verdicts');
    expect(readFileSync(page, 'utf8')).toContain(
      '1 torn by a full disk (1 standing for the BAN fail2ban banned from it)',
    );
    const report = JSON.parse(await audit('stands-json', [OPEN, part, OTHER], fail2ban, ['--json']));
    expect(report.sources).toMatchObject({ verdictLines: 3, tornLines: 1, tornVerdicts: 1, malformedLines: 0 });
    const member = report.campaigns[0].members.find((m: { ip: string }) => m.ip === '192.0.2.2');
    expect(member.verdicts).toHaveLength(1);
  });

  it('says "no verdicts" where fail2ban did not ban from it, and counts both kinds apart', async () => {
    const later = formatVerdictLine(ban(at(0, 5), '192.0.2.3', 'c-1', 'dictionary+surge'), 812);
    const unbanned = later.slice(0, later.indexOf(' reason=') + ' reason=d'.length);
    const table = await audit('both', [OPEN, part, OTHER, unbanned], fail2ban, []);
    expect(table).toContain(
      '1 file(s), 2 torn by a full disk (1 no verdict, 1 standing for the BAN fail2ban banned from it);',
    );
  });
});

describe('the counts under --ip (the bundled CLI)', () => {
  // Another address's line torn where a field ends, before `protection=`, by an earlier version: it reads whole, and
  // is a part only on fail2ban's word (it banned from it, and found the whole line already banned by that Ban).
  const verdict = banVerdict(at(1), '198.51.100.7', 'c-1', 'compromise+member', [['protection', 'overridden']]);
  const whole = formatVerdictLine(verdict, 812);
  const lines = [OPEN, OTHER, whole.slice(0, whole.indexOf(' protection=')), formatVerdictLine(verdict, 9001)];
  const fail2ban = [
    f2bBan(at(0, 2), '192.0.2.1'),
    f2bBan(at(1, 1), '198.51.100.7'),
    fail2banLine(at(1, 2), 'actions', 'NOTICE', '[f2b-campaign] 198.51.100.7 already banned'),
  ];

  it('counts fail2ban events of every address, and says the torn count is checked with fail2ban for ADDR only', async () => {
    const all = JSON.parse(await audit('ip-all', lines, fail2ban, ['--json']));
    expect(all.sources).toMatchObject({ tornLines: 1, fail2banEvents: 4 });
    const one = JSON.parse(await audit('ip-one', lines, fail2ban, ['--json', '--ip', '192.0.2.1']));
    // Counted for all, as without --ip.
    expect(one.sources.fail2banEvents).toBe(4);
    const table = await audit('ip-table', lines, fail2ban, ['--ip', '192.0.2.1']);
    expect(table).toMatch(/; 4 fail2ban event\(s\) from 1 file\(s\);/);
    // The other filters read fail2ban's whole log: the same count (with --campaign, the part was not found either).
    for (const filter of [
      ['--campaign', 'c-2'],
      ['--since', '2026-02-15T10:00:30Z'],
    ]) {
      const filtered = JSON.parse(await audit(`ip-${filter[0]}`, lines, fail2ban, ['--json', ...filter]));
      expect(filtered.sources, filter[0]).toMatchObject({ tornLines: 1, fail2banEvents: 4 });
    }
    // The part of 198.51.100.7 is not found with --ip 192.0.2.1: the report says what its torn count covers.
    expect(table).toContain(
      "read 4 verdict line(s) from 1 file(s), 0 torn by a full disk (other addresses' known by their text alone: " +
        "--ip reads fail2ban's log for 192.0.2.1 only);",
    );
  });
});
