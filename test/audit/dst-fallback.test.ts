import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/run-audit.js';
import { removeTempDir, tempDir } from './log-writers.js';

// fail2ban.log is local time. Its own process: the time zone is set before any stamp is read (and cached).
const savedTz = process.env['TZ'];
let dir = '';
beforeAll(() => {
  process.env['TZ'] = 'Europe/Berlin';
  dir = tempDir('dst');
});
afterAll(() => {
  if (savedTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = savedTz;
  removeTempDir(dir);
});

const verdict = (iso: string, rest: string) => `${iso} f2b-campaign[812]: ${rest}`;
/** A whole BAN line: every key such a BAN carries (docs/verdict-line.md). */
const ban = (iso: string, ip: string) =>
  verdict(iso, `BAN ip=${ip} campaign=c-1 reason=rhythm match=join attempts=2 probes=0`);
const f2b = (local: string, logger: string, level: string, message: string) =>
  `${local} ${`fail2ban.${logger}`.padEnd(24)}[4711]: ${level.padEnd(8)}${message}`;

describe('audit across the end of DST (fail2ban.log in local time, 02:00-03:00 happens twice)', () => {
  it('places each Ban in the right one of the two 02:xx hours, by the order of the lines', async () => {
    // 2025-10-26 in Berlin: 02:00-02:59 CEST (00:00-00:59Z), then 02:00-02:59 CET again (01:00-01:59Z).
    const verdictLog = join(dir, 'verdicts.log');
    const fail2banLog = join(dir, 'fail2ban.log');
    writeFileSync(
      verdictLog,
      `${[
        verdict(
          '2025-10-26T00:20:00.000Z',
          'CAMPAIGN id=c-1 event=open members=4 signals=rhythm start=2025-10-26T00:20:00.000Z last_seen=2025-10-26T00:20:00.000Z',
        ),
        ban('2025-10-26T00:30:00.000Z', '203.0.113.1'),
        ban('2025-10-26T00:55:00.000Z', '203.0.113.9'),
        ban('2025-10-26T01:10:00.000Z', '203.0.113.2'),
        ban('2025-10-26T01:40:00.000Z', '203.0.113.3'),
      ].join('\n')}\n`,
    );
    writeFileSync(
      fail2banLog,
      `${[
        f2b('2025-10-26 01:00:00,000', 'jail', 'INFO', "Jail 'f2b-campaign' started"),
        f2b('2025-10-26 02:30:01,000', 'actions', 'NOTICE', '[f2b-campaign] Ban 203.0.113.1'),
        f2b('2025-10-26 02:55:01,000', 'actions', 'NOTICE', '[f2b-campaign] Ban 203.0.113.9'),
        // The clocks went back at 03:00 CEST: these are CET.
        f2b('2025-10-26 02:10:01,000', 'actions', 'NOTICE', '[f2b-campaign] Ban 203.0.113.2'),
        f2b('2025-10-26 02:40:01,000', 'actions', 'NOTICE', '[f2b-campaign] Ban 203.0.113.3'),
        f2b('2025-10-26 02:45:01,000', 'actions', 'NOTICE', '[f2b-campaign] Unban 203.0.113.3'),
        f2b('2025-10-26 03:05:01,000', 'actions', 'NOTICE', '[f2b-campaign] Unban 203.0.113.1'),
      ].join('\n')}\n`,
    );
    const report = await runAudit({
      verdictLog,
      fail2banLog,
      jail: 'f2b-campaign',
      matchWindow: 86_400_000,
      filters: {},
      now: Date.parse('2025-10-27T00:00:00Z'),
    });
    const c = report.campaigns[0]!;
    const seen = Object.fromEntries(
      [...c.members.values()].map((m) => {
        const o = m.verdicts[0]!.outcome;
        return [m.ip, o.status === 'banned' ? new Date(o.at).toISOString() : o.status];
      }),
    );
    expect(seen).toEqual({
      '203.0.113.1': '2025-10-26T00:30:01.000Z',
      '203.0.113.9': '2025-10-26T00:55:01.000Z',
      '203.0.113.2': '2025-10-26T01:10:01.000Z',
      '203.0.113.3': '2025-10-26T01:40:01.000Z',
    });
    expect(c.members.get('203.0.113.3')!.banPeriods).toEqual([
      [Date.parse('2025-10-26T01:40:01Z'), Date.parse('2025-10-26T01:45:01Z')],
    ]);
    expect(c.members.get('203.0.113.1')!.banPeriods).toEqual([
      [Date.parse('2025-10-26T00:30:01Z'), Date.parse('2025-10-26T02:05:01Z')],
    ]);
  });
});
