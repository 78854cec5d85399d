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

  // The bound was the BAN lines of the last 20 s and at least the last 1,024: a copy's line further back than both was
  // taken as read in no file, and counted twice (found in review). The writer copies the lines it wrote in the 10 s
  // before it found the rotation by its clock: after a step forward (a burst stamped 30 s later) and back, those are
  // LINE and every line after it. The copies begin the new file, after the whole line of a part the old file kept at
  // most; at a start after two renames while stopped, the file between is empty.
  const burst = Array.from({ length: 1100 }, (_, i) =>
    formatVerdictLine(ban(at(40), `10.1.${i >> 8}.${i & 255}`, 'c-1', 'dictionary'), 812),
  );
  const copies = [COPY, ...burst.map((l) => `${l} repeat=rotation`)];
  const WHOLE = formatVerdictLine(ban(at(41), '192.0.2.4', 'c-1', 'dictionary'), 812);
  it.each([
    [
      'in the file before',
      [
        [OPEN, LINE, ...burst],
        [...copies, OTHER],
      ],
      0,
    ],
    ['two files before, the one between empty', [[OPEN, LINE, ...burst], [], [...copies, OTHER]], 0],
    [
      'in the file before, whose last line is a part of the line the new file begins with',
      [
        [OPEN, LINE, ...burst, WHOLE.slice(0, WHOLE.indexOf(' match='))],
        [WHOLE, ...copies, OTHER],
      ],
      1,
    ],
  ])(
    'is no verdict when its line was read more than 1,024 BAN lines and 20 s before it: %s',
    async (_, chunks, torn) => {
      const { report, verdicts } = await audit(`far-${chunks.length}-${torn}`, chunks);
      expect(verdicts).toEqual([['banned', false]]);
      expect(report.sources).toMatchObject({ copyVerdicts: 0, tornLines: torn, malformedLines: 0 });
      const members = [...report.campaigns[0]!.members.values()];
      expect(members).toHaveLength(1 + burst.length + 1 + torn);
      expect(members.filter((m) => m.verdicts.length !== 1)).toEqual([]);
    },
  );

  it('torn inside repeat=, its line in no file: the BAN fail2ban banned from it, once', async () => {
    const { report, verdicts } = await audit('torn', [[OPEN], [COPY.slice(0, -'ation'.length), OTHER]]);
    expect(verdicts).toEqual([['banned', true]]);
    expect(report.sources).toMatchObject({ copyVerdicts: 0, tornLines: 1, tornVerdicts: 1 });
    expect(report.unexplainedBans).toEqual([]);
  });
});
