import { appendFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { renderTable } from '../../src/audit/report-table.js';
import { runAudit } from '../../src/audit/run-audit.js';
import type { Verdict } from '../../src/core/verdict.js';
import { Fail2banServer } from './fail2ban-server.js';
import { ban, campaignVerdict, removeTempDir, tempDir, verdictLines } from './log-writers.js';

const dir = tempDir('fail2ban');
const f2b = new Fail2banServer(dir);
const { verdictLog, fail2banLog } = f2b;
const banned = () => f2b.banned();
const waitFor = (what: string, test: () => boolean) => f2b.waitFor(what, test);
const readLog = () => f2b.readLog();
const start = () => f2b.start();
const stop = () => f2b.stop();
const rotate = () => f2b.rotate();
const configure = () => f2b.configure();

const write = (verdicts: Verdict[]) => appendFileSync(verdictLog, `${verdictLines(verdicts).join('\n')}\n`);

afterAll(async () => {
  await f2b.dispose();
  removeTempDir(dir);
});

describe('audit reconciled with a real fail2ban-server run', () => {
  it('finds every ban fail2ban made, the ignoreip member it skipped, and the verdict written while it was down', async () => {
    configure();
    const t0 = Date.now();
    writeFileSync(verdictLog, '');
    write([
      campaignVerdict(t0, 'c-real', 'open', 5, 'rhythm+dictionary'),
      ...['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '192.0.2.99'].map((ip, i) =>
        ban(t0 + i, ip, 'c-real', 'rhythm+dictionary', i === 0 ? 'oracle' : 'root'),
      ),
    ]);
    await start();
    await waitFor('the first four bans', () => (banned().match(/^\+198\.51\.100\.[1-4]$/gm) ?? []).length === 4);
    write([ban(Date.now(), '198.51.100.5', 'c-real', 'fingerprint')]);
    await waitFor('the fifth ban', () => banned().includes('+198.51.100.5'));
    await stop();
    rotate();
    // Written while fail2ban is stopped: banned when it comes back (late).
    const whileDown = Date.now();
    write([
      ban(whileDown, '198.51.100.6', 'c-real', 'fingerprint'),
      {
        time: whileDown + 1,
        verb: 'ALERT',
        fields: [
          ['kind', 'compromise'],
          ['ip', '198.51.100.1'],
          ['user', 'oracle'],
          ['campaign', 'c-real'],
          ['reason', 'member'],
          ['signals', 'rhythm'],
          ['method', 'password'],
        ],
      },
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    await start();
    await waitFor('the ban of the verdict written while fail2ban was down', () => banned().includes('+198.51.100.6'));
    await stop();
    rotate();
    // Written after fail2ban stopped for good: never banned.
    write([
      ban(Date.now(), '198.51.100.7', 'c-real', 'fingerprint'),
      campaignVerdict(Date.now(), 'c-real', 'end', 7, 'rhythm+dictionary'),
    ]);

    const report = await runAudit({
      verdictLog,
      fail2banLog,
      jail: 'f2b-campaign',
      matchWindow: 86_400_000,
      filters: {},
      now: Date.now(),
    });
    console.log(`fail2ban log:\n${readLog()}\naudit:\n${renderTable(report)}`);
    expect(report.sources.verdictFiles.map((f) => f.slice(dir.length + 1))).toEqual([
      'verdicts.log.2.gz',
      'verdicts.log.1',
      'verdicts.log',
    ]);
    expect(report.sources.fail2banFiles.map((f) => f.slice(dir.length + 1))).toEqual([
      'fail2ban.log.2.gz',
      'fail2ban.log.1',
      'fail2ban.log',
    ]);
    const c = report.campaigns[0]!;
    const outcome = (ip: string) => {
      const o = c.members.get(ip)!.verdicts[0]!.outcome;
      return o.status === 'not-banned' ? o.why : o.status;
    };
    expect(Object.fromEntries([...c.members.keys()].map((ip) => [ip, outcome(ip)]))).toEqual({
      '198.51.100.1': 'banned',
      '198.51.100.2': 'banned',
      '198.51.100.3': 'banned',
      '198.51.100.4': 'banned',
      '192.0.2.99': 'ignoreip',
      '198.51.100.5': 'banned',
      '198.51.100.6': 'banned',
      '198.51.100.7': 'fail2ban-down',
    });
    const late = c.members.get('198.51.100.6')!.verdicts[0]!.outcome;
    expect(late.status === 'banned' && late.delay).toBeGreaterThanOrEqual(1500);
    expect(report.fail2banUptime).toHaveLength(2);
    expect(report.alerts).toHaveLength(1);
    expect(c.end).not.toBeNull();
  }, 120_000);
});
