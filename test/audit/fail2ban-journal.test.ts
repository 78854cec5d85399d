import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { fail2banJournalArgs, readFail2banJournalLine } from '../../src/audit/fail2ban-journal.js';
import { chooseFail2banSource } from '../../src/audit/fail2ban-source.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { fakeProgram } from '../helpers/fake-program.js';
import { ban, campaignVerdict, fail2banLine, verdictLines } from './log-writers.js';

const FAKE_BIN = fileURLToPath(new URL('../bin', import.meta.url));
const cli = bundledCliSuite('audit-journal');
const dir = cli.dir;
const S = 1000;
const M = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse('2026-02-15T13:00:00Z');
const SINCE = Date.parse('2026-02-15T12:00:00Z');
const UNTIL = Date.parse('2026-02-15T15:00:00Z');

// Banned through the native journal handler, through syslog (level in MESSAGE, bytes as an array), through
// stdout (a whole file-format line in MESSAGE); ignored by ignoreip; never named by fail2ban.
const NATIVE = '203.0.113.7';
const SYSLOG = '203.0.113.8';
const STDOUT = '203.0.113.9';
const IGNORED = '192.0.2.99';
const SILENT = '198.51.100.4';
const SPOOFED = '198.51.100.5';

let cursor = 0;
/** One `journalctl -o json` entry as journald stores fail2ban's records (fields as strings, times in µs). */
function entry(time: number, message: string | number[], fields: Record<string, string> = {}): string {
  cursor++;
  return JSON.stringify({
    __CURSOR: `s=fake;i=${cursor}`,
    __REALTIME_TIMESTAMP: String(time * 1000),
    _COMM: 'fail2ban-server',
    _UID: '0',
    _PID: '4711',
    _HOSTNAME: 'web1',
    SYSLOG_IDENTIFIER: 'fail2ban',
    PRIORITY: '5',
    MESSAGE: message,
    ...fields,
  });
}

function writeLogs(): { verdicts: string; journal: string; argsFile: string } {
  const verdicts = join(dir, 'verdicts.log');
  writeFileSync(
    verdicts,
    `${verdictLines([
      campaignVerdict(T0, 'c-j1', 'open', 5, 'rhythm+synchrony'),
      ban(T0 + 1 * S, NATIVE, 'c-j1', 'rhythm'),
      ban(T0 + 2 * S, SYSLOG, 'c-j1', 'rhythm'),
      ban(T0 + 3 * S, STDOUT, 'c-j1', 'rhythm'),
      ban(T0 + 4 * S, IGNORED, 'c-j1', 'rhythm'),
      ban(T0 + 5 * S, SILENT, 'c-j1', 'rhythm'),
      ban(T0 + 6 * S, SPOOFED, 'c-j1', 'rhythm'),
    ]).join('\n')}\n`,
  );
  const journal = join(dir, 'journal.jsonl');
  const syslogBan = Buffer.from(`NOTICE [f2b-campaign] Ban ${SYSLOG}`, 'utf8');
  writeFileSync(
    journal,
    `${[
      // Older than --since minus the longest ban and the match window: journalctl --since leaves it out.
      entry(SINCE - 40 * DAY, `[f2b-campaign] Ban ${SILENT}`),
      entry(T0 - 10 * M, 'Starting Fail2ban v1.0.2'),
      entry(T0 - 10 * M, "Jail 'f2b-campaign' started"),
      entry(T0 + 1 * S + 300, `[f2b-campaign] Ban ${NATIVE}`),
      // journalctl shows a field that is not printable UTF-8 as an array of byte values: decoded the same way.
      entry(T0 + 2 * S + 400, [...syslogBan], { SYSLOG_IDENTIFIER: 'fail2ban.actions', SYSLOG_PID: '4711' }),
      entry(T0 + 3 * S + 500, fail2banLine(T0 + 3 * S + 500, 'actions', 'NOTICE', `[f2b-campaign] Ban ${STDOUT}`), {
        SYSLOG_IDENTIFIER: 'fail2ban-server',
      }),
      entry(T0 + 4 * S + 100, `[f2b-campaign] Ignore ${IGNORED} by ip`, { PRIORITY: '6' }),
      // Another program writing fail2ban-like text: not fail2ban-server, so _COMM=fail2ban-server filters it out.
      entry(T0 + 6 * S + 200, `[f2b-campaign] Ban ${SPOOFED}`, { _COMM: 'logger', SYSLOG_IDENTIFIER: 'fail2ban' }),
      // A local user's process renamed fail2ban-server (prctl): the uid journald records gives it away.
      entry(T0 + 6 * S + 300, `[f2b-campaign] Ban ${SPOOFED}`, { _UID: '1000', SYSLOG_IDENTIFIER: 'fail2ban' }),
      // After --until plus the match window: journalctl --until leaves it out.
      entry(UNTIL + 2 * DAY, `[f2b-campaign] Unban ${NATIVE}`),
    ].join('\n')}\n`,
  );
  return { verdicts, journal, argsFile: join(dir, 'journalctl-args.jsonl') };
}

let logs = { verdicts: '', journal: '', argsFile: '' };

beforeAll(async () => {
  logs = writeLogs();
}, 60_000);

async function audit(extra: string[]): Promise<{ stdout: string; stderr: string; journalctlArgs: string[][] }> {
  writeFileSync(logs.argsFile, '');
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [cli.bundle, 'audit', '--verdicts', logs.verdicts, '--fail2ban-journal', ...extra],
    {
      env: {
        ...process.env,
        PATH: `${FAKE_BIN}:${process.env['PATH']}`,
        F2B_FAKE_JOURNAL: logs.journal,
        F2B_FAKE_JOURNAL_ARGS: logs.argsFile,
      },
      timeout: 60_000,
    },
  );
  const journalctlArgs = readFileSync(logs.argsFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { args: string[] }).args);
  return { stdout, stderr, journalctlArgs };
}

const window = ['--since', '2026-02-15T12:00:00Z', '--until', '2026-02-15T15:00:00Z'];

describe('f2b-campaign audit --fail2ban-journal', () => {
  it('asks journalctl for fail2ban-server entries over the filtered span, as JSON', async () => {
    const run = await audit([...window, '--json']);
    expect(run.journalctlArgs).toEqual([
      [
        '--output=json',
        '--no-pager',
        '--no-tail',
        '_COMM=fail2ban-server',
        '_UID=0',
        // --since minus the longest ban (4 weeks) and the match window (1 d); --until plus the match window.
        `--since=@${(SINCE - 29 * DAY) / 1000}`,
        `--until=@${(UNTIL + DAY) / 1000}`,
      ],
    ]);
  });

  // journald stamps an entry when it receives it: a span leaving entries out is shown here, on the fake
  // (fail2ban-journal.journald.test.ts shows the logtargets and the filters on a real journald).
  it('reads only the entries of the span it asks journalctl for', async () => {
    const run = await audit([...window, '--json']);
    const report = JSON.parse(run.stdout);
    // 10 entries, 8 of fail2ban-server as root; the 40-day-old Ban and the late Unban are outside the span.
    expect(report.sources.fail2banEvents).toBe(6);
    const silent = report.campaigns[0].members.find((m: { ip: string }) => m.ip === SILENT);
    expect(silent.verdicts[0].outcome).toMatchObject({ status: 'not-banned', why: 'unknown' });
  });

  it('fails with the journalctl error when journalctl cannot serve the journal', async () => {
    const broken = fakeProgram(
      join(dir, 'broken-bin'),
      'journalctl',
      '#!/bin/sh\necho "Failed to open journal: Permission denied" >&2\nexit 1\n',
    );
    // A run that succeeds resolves without a code: it counts as exit 0, so a failure reported only as a warning fails.
    const run = await promisify(execFile)(
      process.execPath,
      [cli.bundle, 'audit', '--verdicts', logs.verdicts, '--fail2ban-journal'],
      {
        env: { ...process.env, PATH: `${broken}:${process.env['PATH']}` },
      },
    ).then(
      (done) => ({ ...done, code: 0 }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("reading fail2ban's journal failed");
    expect(run.stderr).toContain('Permission denied');
  });

  it("repeats journalctl's hint when it succeeds without the system journal", async () => {
    const hint = 'Hint: You are currently not seeing messages from other users and the system.';
    const limited = fakeProgram(join(dir, 'limited-bin'), 'journalctl', `#!/bin/sh\necho "${hint}" >&2\nexit 0\n`);
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [cli.bundle, 'audit', '--verdicts', logs.verdicts, '--fail2ban-journal'],
      { env: { ...process.env, PATH: `${limited}:${process.env['PATH']}` } },
    );
    expect(stderr).toContain(`audit: journalctl: ${hint}`);
    expect(stdout).toMatch(/0 fail2ban event\(s\) from the journal/);
  });

  it('refuses --fail2ban-log together with --fail2ban-journal', async () => {
    const run = await promisify(execFile)(process.execPath, [
      cli.bundle,
      'audit',
      '--verdicts',
      logs.verdicts,
      '--fail2ban-journal',
      '--fail2ban-log',
      '/nonexistent',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect('code' in run && run.code).toBe(64);
    expect(run.stderr).toContain('give one');
  });
});

describe('reading fail2ban journal entries', () => {
  it('reads each logtarget form with the same grammar as the file, at the journal time', () => {
    expect(readFail2banJournalLine(entry(T0, '[sshd] Unban 2001:db8::1'))).toEqual({
      time: T0,
      type: 'unban',
      jail: 'sshd',
      ip: '2001:db8::1',
    });
    expect(readFail2banJournalLine(entry(T0, "INFO Jail 'sshd' stopped"))).toEqual({
      time: T0,
      type: 'jail-stop',
      jail: 'sshd',
    });
    expect(readFail2banJournalLine(entry(T0, 'Exiting Fail2ban'))).toEqual({ time: T0, type: 'server-stop' });
    expect(readFail2banJournalLine(entry(T0, '[sshd] Found 203.0.113.7 - 2026-02-15 13:00:00'))).toBeNull();
    // Attacker text can sit inside a Found line; it never makes a Ban.
    expect(readFail2banJournalLine(entry(T0, '[sshd] Found 1.2.3.4 user [sshd] Ban 5.6.7.8'))).toBeNull();
    expect(readFail2banJournalLine('not json')).toBeNull();
  });

  it('widens the journal span to whole seconds outwards', () => {
    expect(fail2banJournalArgs({ since: 1_500, until: 2_500 }).slice(-2)).toEqual(['--since=@1', '--until=@3']);
    expect(fail2banJournalArgs({})).not.toContainEqual(expect.stringMatching(/^--(since|until)/));
  });
});

describe('choosing where fail2ban history comes from', () => {
  const missing = join(dir, 'no-such-fail2ban.log');
  it('uses the journal when asked, or when no fail2ban log exists and journalctl is installed', () => {
    expect(chooseFail2banSource({ log: undefined, journal: true, defaultLog: missing, pathEnv: '' }).kind).toBe(
      'journal',
    );
    expect(chooseFail2banSource({ log: undefined, journal: false, defaultLog: missing, pathEnv: FAKE_BIN })).toEqual({
      kind: 'journal',
      journalctl: join(FAKE_BIN, 'journalctl'),
    });
  });

  it('keeps the file when it exists, when one is named, or when there is no journalctl', () => {
    const present = join(dir, 'fail2ban.log');
    writeFileSync(present, '');
    expect(chooseFail2banSource({ log: undefined, journal: false, defaultLog: present, pathEnv: FAKE_BIN })).toEqual({
      kind: 'file',
      path: present,
    });
    expect(chooseFail2banSource({ log: missing, journal: false, defaultLog: present, pathEnv: FAKE_BIN }).kind).toBe(
      'file',
    );
    expect(chooseFail2banSource({ log: undefined, journal: false, defaultLog: missing, pathEnv: dir })).toEqual({
      kind: 'file',
      path: missing,
    });
  });
});
