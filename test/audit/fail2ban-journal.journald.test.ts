import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { type RealJournal, startRealJournal } from '../helpers/real-journal.js';
import { sleep } from '../service/helpers.js';
import { ban, campaignVerdict, fail2banLine, verdictLines } from './log-writers.js';

/**
 * `audit --fail2ban-journal` over a real systemd-journald and the real journalctl (test/helpers/real-journal.ts):
 * fail2ban-server's entries as each of its logtargets puts them there (test/audit/bin/fail2ban-server, a python
 * program named as fail2ban's is, so journald records `_COMM=fail2ban-server`), and the entries the audit must not
 * take for fail2ban's. What journald cannot be made to do, store an entry at a time of the test's choosing, is
 * tested on the fake journalctl (fail2ban-journal.test.ts: the --since/--until span).
 */
const FAIL2BAN_SERVER = fileURLToPath(new URL('./bin/fail2ban-server', import.meta.url));
const cli = bundledCliSuite('audit-journald');
const dir = cli.dir;
let journal: RealJournal;
/** Between fail2ban's start and its bans, whose times journald stamps as it receives them (ms). */
let T0 = 0;
const MS = 10;

// Banned through the native journal handler, through syslog, through stdout; ignored by ignoreip; never named by
// fail2ban; named by a process that is not fail2ban-server, and by one of a local user's that took its name.
const NATIVE = '203.0.113.7';
const SYSLOG = '203.0.113.8';
const STDOUT = '203.0.113.9';
const IGNORED = '192.0.2.99';
const SILENT = '198.51.100.4';
const SPOOFED = '198.51.100.5';

type Sent = [transport: 'journal' | 'syslog' | 'stdout', message: string, identifier: string];

function fail2banSays(entries: readonly Sent[], uid?: number): void {
  const argv = [dirname(journal.journald.socket), JSON.stringify(entries), ...(uid === undefined ? [] : [String(uid)])];
  execFileSync(FAIL2BAN_SERVER, argv, { stdio: 'pipe' });
}

/** When journald received fail2ban's Ban of `ip`, as the audit shows it. */
function banTime(ip: string): string {
  const entry = journal.entries(['_COMM=fail2ban-server']).find((e) => String(e['MESSAGE']).endsWith(`Ban ${ip}`));
  return new Date(Number(BigInt(String(entry?.['__REALTIME_TIMESTAMP'])) / 1000n)).toISOString();
}

const verdicts = join(dir, 'verdicts.log');

beforeAll(async () => {
  journal = await startRealJournal(dir);
  fail2banSays([
    ['journal', 'Starting Fail2ban v1.0.2', 'fail2ban'],
    ['journal', "Jail 'f2b-campaign' started", 'fail2ban'],
  ]);
  await sleep(100);
  T0 = Date.now();
  writeFileSync(
    verdicts,
    `${verdictLines([
      campaignVerdict(T0, 'c-j1', 'open', 5, 'rhythm+synchrony'),
      ban(T0 + 1 * MS, NATIVE, 'c-j1', 'rhythm'),
      ban(T0 + 2 * MS, SYSLOG, 'c-j1', 'rhythm'),
      ban(T0 + 3 * MS, STDOUT, 'c-j1', 'rhythm'),
      ban(T0 + 4 * MS, IGNORED, 'c-j1', 'rhythm'),
      ban(T0 + 5 * MS, SILENT, 'c-j1', 'rhythm'),
      ban(T0 + 6 * MS, SPOOFED, 'c-j1', 'rhythm'),
    ]).join('\n')}\n`,
  );
  await sleep(100);
  fail2banSays([
    ['journal', `[f2b-campaign] Ban ${NATIVE}`, 'fail2ban'],
    ['syslog', `NOTICE [f2b-campaign] Ban ${SYSLOG}`, 'fail2ban.actions'],
    ['stdout', fail2banLine(Date.now(), 'actions', 'NOTICE', `[f2b-campaign] Ban ${STDOUT}`), 'fail2ban-server'],
    ['journal', `[f2b-campaign] Ignore ${IGNORED} by ip`, 'fail2ban'],
  ]);
  // Another program writing fail2ban-like text: not fail2ban-server, so _COMM=fail2ban-server leaves it out.
  journal.say(`[f2b-campaign] Ban ${SPOOFED}`, { tag: 'fail2ban' });
  // A local user's process named fail2ban-server: the uid journald records gives it away.
  fail2banSays([['journal', `[f2b-campaign] Ban ${SPOOFED}`, 'fail2ban']], 1000);
}, 60_000);
afterAll(async () => {
  await journal?.stop();
});

async function audit(extra: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [cli.bundle, 'audit', '--verdicts', verdicts, '--fail2ban-journal', ...extra],
    { env: { ...process.env, PATH: `${dirname(journal.journalctl)}:${process.env['PATH']}` }, timeout: 60_000 },
  );
  return stdout;
}

const window = () => ['--since', new Date(T0 - 60_000).toISOString(), '--until', new Date(Date.now()).toISOString()];

describe('f2b-campaign audit --fail2ban-journal on a real journald', () => {
  it("finds fail2ban's bans through each logtarget, at the journal's time, and nobody else's", async () => {
    // The test's own check that journald recorded what the audit filters on.
    expect(journal.entries(['_COMM=fail2ban-server', '_UID=0'])).toHaveLength(6);
    expect(journal.entries(['_COMM=fail2ban-server', '_UID=1000'])).toHaveLength(1);
    const report = JSON.parse(await audit([...window(), '--json']));
    const outcomes = Object.fromEntries(
      report.campaigns[0].members.map((m: { ip: string; verdicts: Array<{ outcome: unknown }> }) => [
        m.ip,
        m.verdicts[0]!.outcome,
      ]),
    );
    expect(outcomes[NATIVE]).toMatchObject({ status: 'banned', at: banTime(NATIVE), restored: false });
    expect(outcomes[SYSLOG]).toMatchObject({ status: 'banned', at: banTime(SYSLOG) });
    expect(outcomes[STDOUT]).toMatchObject({ status: 'banned', at: banTime(STDOUT) });
    expect(outcomes[IGNORED]).toMatchObject({ status: 'not-banned', why: 'ignoreip' });
    expect(outcomes[SILENT]).toMatchObject({ status: 'not-banned', why: 'unknown' });
    expect(outcomes[SPOOFED]).toMatchObject({ status: 'not-banned', why: 'unknown' });
    // journalctl served only what the filters asked for: fail2ban-server's 6 entries, run as root.
    expect(report.sources.fail2banEvents).toBe(6);
    expect(report.sources.fail2banJournal).toMatch(/journalctl --output=json .*_COMM=fail2ban-server/);
  });

  it('shows the same in the table, one row per member with --campaign', async () => {
    const stdout = await audit([...window(), '--campaign', 'c-j1']);
    expect(stdout).toMatch(/6 fail2ban event\(s\) from the journal \(journalctl --output=json/);
    expect(stdout).toMatch(/c-j1\s+\S+ \S+\s+\S+ \S+ \(open\)\s+6\s+3\s+3\s/);
    for (const ip of [NATIVE, SYSLOG, STDOUT])
      expect(stdout).toMatch(new RegExp(`${ip}\\s+\\S+ \\S+\\s+rhythm\\s+banned`));
    expect(stdout).toMatch(new RegExp(`${IGNORED}\\s+\\S+ \\S+\\s+rhythm\\s+NOT banned: ignoreip`));
    expect(stdout).toMatch(new RegExp(`${SILENT}\\s+\\S+ \\S+\\s+rhythm\\s+NOT banned: unknown`));
    expect(stdout).toMatch(new RegExp(`${SPOOFED}\\s+\\S+ \\S+\\s+rhythm\\s+NOT banned: unknown`));
  });
});
