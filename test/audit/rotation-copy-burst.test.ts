import { appendFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/run-audit.js';
import { formatVerdictLine } from '../../src/verdict/verdict-line.js';
import { Fail2banServer } from './fail2ban-server.js';
import { ban, campaignVerdict, removeTempDir, tempDir } from './log-writers.js';

/**
 * A real fail2ban-server (bundled jail, polling backend) and the real logrotate. The service's clock stepped forward
 * 30 s after it wrote a BAN line, then back, before it found the rotation: it wrote again, first into the new file, the
 * BAN lines it wrote in the 10 s before by its clock (src/service/recent-bans.ts), that line and a burst of 1,100
 * stamped 30 s later (their addresses in the jail's ignoreip: 1,100 dummy actions took 100 s). fail2ban banned the
 * line's address from the old file, and found it again in its copy. The
 * audit looked for a copy's line among the last 1,024 BAN lines and those of the 20 s before the newest: that line
 * was further back than both, taken as read in no file, and its member had two verdicts (found in review).
 */
const dir = tempDir('copy-burst');
const f2b = new Fail2banServer(dir);
afterAll(async () => {
  await f2b.dispose();
  removeTempDir(dir);
});

const append = (lines: string[]) => appendFileSync(f2b.verdictLog, `${lines.join('\n')}\n`);
const LAST = '10.9.4.75';

describe('a repeat=rotation copy whose line is 1,100 BAN lines and 30 s before it (real fail2ban)', () => {
  it('is no verdict: its member has one, banned from its line', async () => {
    f2b.configure(['ignoreip = 127.0.0.1/8 ::1 10.9.0.0/16']);
    writeFileSync(f2b.verdictLog, '');
    await f2b.start();
    const now = Date.now();
    const line = formatVerdictLine(ban(now - 40_000, '198.51.100.2', 'c-1', 'dictionary'), 812);
    const burst = Array.from({ length: 1100 }, (_, i) =>
      formatVerdictLine(ban(now - 10_000, `10.9.${i >> 8}.${i & 255}`, 'c-1', 'dictionary'), 812),
    );
    append([formatVerdictLine(campaignVerdict(now - 41_000, 'c-1', 'open', 1101, 'dictionary'), 812), line, ...burst]);
    await f2b.waitFor('fail2ban to read every line', () => f2b.readLog().includes(`Ignore ${LAST} by ip`), 60_000);
    await f2b.waitFor('fail2ban to ban the line', () => f2b.banned().includes('+198.51.100.2\n'));
    expect(f2b.banned().match(/^\+.*$/gm)).toEqual(['+198.51.100.2']);
    f2b.rotate([f2b.verdictLog]);
    append([line, ...burst].map((l) => `${l} repeat=rotation`));
    const found = () => f2b.readLog().split('Found 198.51.100.2 ').length - 1;
    await f2b.waitFor('fail2ban to read the copy', () => found() === 2, 60_000);
    await f2b.stop();

    const members = await f2b.auditedMembers();
    expect(members.find(([ip]) => ip === '198.51.100.2')).toEqual(['198.51.100.2', ['banned']]);
    expect(members.filter(([, outcomes]) => outcomes.length !== 1)).toEqual([]);
    const report = await runAudit({
      verdictLog: f2b.verdictLog,
      fail2banLog: f2b.fail2banLog,
      jail: 'f2b-campaign',
      matchWindow: 86_400_000,
      filters: {},
      now: Date.now(),
    });
    expect(report.sources).toMatchObject({ copyVerdicts: 0, tornLines: 0, malformedLines: 0, verdictLines: 2203 });
    expect(report.unexplainedBans).toEqual([]);
  }, 240_000);
});
