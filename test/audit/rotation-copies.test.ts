import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderTable } from '../../src/audit/report-table.js';
import { runAudit } from '../../src/audit/run-audit.js';
import { formatVerdictLine } from '../../src/verdict/verdict-line.js';
import { ban, campaignVerdict, fail2banLine, removeTempDir, tempDir, writeRotated } from './log-writers.js';

/**
 * `repeat=rotation` copies (src/service/recent-bans.ts) against the lines the audit read before them: a copy whose
 * line was read is no verdict; one whose line is in no file read (copytruncate's window, test/audit/
 * copytruncate-window.test.ts; a rotation `rotate N` deleted) stands for its verdict, once.
 */
const dir = tempDir('rotation-copies');
afterAll(() => removeTempDir(dir));

const T = Date.parse('2026-02-15T10:00:00Z');
const at = (seconds: number) => T + seconds * 1000;
const OPEN = formatVerdictLine(campaignVerdict(at(0), 'c-1', 'open', 5, 'dictionary'), 812);
const LINE = formatVerdictLine(ban(at(10), '192.0.2.2', 'c-1', 'dictionary'), 812);
const OTHER = formatVerdictLine(ban(at(20), '192.0.2.3', 'c-1', 'dictionary'), 812);
const COPY = `${LINE} repeat=rotation`;
const f2b = [
  fail2banLine(at(-60), 'jail', 'INFO', "Jail 'f2b-campaign' started"),
  fail2banLine(at(12), 'actions', 'NOTICE', '[f2b-campaign] Ban 192.0.2.2'),
  fail2banLine(at(21), 'actions', 'NOTICE', '[f2b-campaign] Ban 192.0.2.3'),
];

async function audit(name: string, chunks: string[][]) {
  const verdictLog = join(dir, `${name}-verdicts.log`);
  const fail2banLog = join(dir, `${name}-fail2ban.log`);
  writeRotated(verdictLog, chunks);
  writeFileSync(fail2banLog, `${f2b.join('\n')}\n`);
  const report = await runAudit({
    verdictLog,
    fail2banLog,
    jail: 'f2b-campaign',
    matchWindow: 86_400_000,
    filters: {},
    now: at(3600),
  });
  const member = report.campaigns[0]!.members.get('192.0.2.2');
  return { report, verdicts: member?.verdicts.map((v) => [v.outcome.status, v.fromCopy ?? false]) };
}

describe('a repeat=rotation copy', () => {
  it('is no verdict when its line was read (in the rotation before it)', async () => {
    const { report, verdicts } = await audit('read', [
      [OPEN, LINE],
      [COPY, OTHER],
    ]);
    expect(verdicts).toEqual([['banned', false]]);
    expect(report.sources.copyVerdicts).toBe(0);
    expect(report.unexplainedBans).toEqual([]);
  });

  it.each([
    ['its rotation deleted (rotate N)', 'deleted', [[COPY, OTHER]]],
    ['in neither file (copytruncate)', 'neither', [[OPEN], [COPY, OTHER]]],
    [
      'twice, its line in no file',
      'twice',
      [
        [OPEN, COPY],
        [COPY, OTHER],
      ],
    ],
  ])('stands for its verdict once: %s', async (_, name, chunks) => {
    const { report, verdicts } = await audit(name, chunks);
    expect(verdicts).toEqual([['banned', true]]);
    expect(report.campaigns[0]!.members.get('192.0.2.3')!.verdicts).toHaveLength(1);
    expect(report.sources).toMatchObject({ copyVerdicts: 1, tornLines: 0, malformedLines: 0 });
    expect(report.unexplainedBans).toEqual([]);
    expect(renderTable(report)).toContain(', 1 BAN verdict known from its repeat=rotation copy alone;');
  });

  it('torn inside repeat=, its line in no file: the BAN fail2ban banned from it, once', async () => {
    const { report, verdicts } = await audit('torn', [[OPEN], [COPY.slice(0, -'ation'.length), OTHER]]);
    expect(verdicts).toEqual([['banned', true]]);
    expect(report.sources).toMatchObject({ copyVerdicts: 0, tornLines: 1, tornVerdicts: 1 });
    expect(report.unexplainedBans).toEqual([]);
  });
});
