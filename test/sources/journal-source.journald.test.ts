import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { localMachineId } from '../../src/sources/journal-args.js';
import type { JournalEntry } from '../../src/sources/journal-entry.js';
import { JournalSource } from '../../src/sources/journal-source.js';
import { type RealJournal, startRealJournal } from '../helpers/real-journal.js';
import { sleep, tempDir, waitFor } from '../service/helpers.js';
import { journalService } from '../service/journal-service.js';

/**
 * The journal source against a real systemd-journald and the real journalctl (test/e2e/harness/journald.ts: a
 * private journald, no systemd as PID 1 needed), where the fake journalctl of journal-source.test.ts cannot say
 * what journald really does: archive its files, and delete archived ones (SystemMaxUse=, MaxRetentionSec=,
 * `journalctl --vacuum-*`) while the service is stopped.
 */
const t = tempDir('journald');
let journal: RealJournal;

beforeAll(async () => {
  journal = await startRealJournal(t.dir);
}, 30_000);
afterAll(async () => {
  await journal.stop();
  t.cleanup();
});

/** A line as sshd sends it: through the syslog socket, as root, with the identifier sshd. */
const sshdSays = (message: string) => journal.say(message);

/** The journal's files: a directory per machine id (one here). */
function journalFiles(): string[] {
  const [machine] = readdirSync(journal.journald.directory);
  return readdirSync(join(journal.journald.directory, machine!));
}

function archives(): string[] {
  return journalFiles().filter((name) => name.startsWith('system@'));
}

/**
 * journald archives its active file and starts a new one (SIGUSR2, what `journalctl --rotate` asks for): it renames
 * system.journal to its archive's name, syncs the directory, and only then creates a new system.journal. A vacuum in
 * between counts no active file, and `--vacuum-files=1` then keeps the archive whole: the service's test below timed
 * out waiting for journal-cursor-gone, the cursor's entry still there (once at load ~21; every time with journald's
 * fsync delayed 3 s).
 */
async function rotate(): Promise<void> {
  const before = archives().length;
  journal.journald.process.child.kill('SIGUSR2');
  await waitFor(
    () => archives().length > before && journalFiles().includes('system.journal'),
    10_000,
    'journald to archive its file and start a new one',
  );
}

function follow(cursor: string | null, got: string[], gone: string[] = []): JournalSource {
  return new JournalSource({
    command: journal.journalctl,
    cursor,
    startAt: 'start',
    machineId: localMachineId(),
    onEntry: (entry) => got.push(entry.message.message),
    onError: (error) => got.push(`error: ${error.message}`),
    onCursorGone: (report) => gone.push(report.cursor),
  });
}

describe('journal source with a real journald', () => {
  it('resumes at the entry after its cursor across a rotation, with nothing repeated', async () => {
    const first: string[] = [];
    const a = follow(null, first);
    await a.start();
    sshdSays('Failed password for root from 192.0.2.1 port 4001 ssh2');
    sshdSays('Failed password for root from 192.0.2.2 port 4002 ssh2');
    await waitFor(() => first.length >= 2, 10_000, 'the first two entries');
    await a.stop();
    const cursor = a.cursor;
    expect(cursor).toMatch(/^s=[0-9a-f]+;i=/);
    await rotate();
    sshdSays('Failed password for root from 192.0.2.3 port 4003 ssh2');
    const resumed: string[] = [];
    const gone: string[] = [];
    const b = follow(cursor, resumed, gone);
    await b.start();
    await waitFor(() => resumed.length >= 1, 10_000, 'the entry after the cursor');
    await b.stop();
    expect(first).toEqual([
      'Failed password for root from 192.0.2.1 port 4001 ssh2',
      'Failed password for root from 192.0.2.2 port 4002 ssh2',
    ]);
    expect(resumed).toEqual(['Failed password for root from 192.0.2.3 port 4003 ssh2']);
    expect(gone).toEqual([]);
  }, 60_000);

  it("reads the first entry still there when journald deleted the cursor's file while it was stopped, and says so", async () => {
    const first: string[] = [];
    const a = follow(null, first);
    await a.start();
    sshdSays('Failed password for root from 192.0.2.4 port 4004 ssh2');
    await waitFor(() => first.some((m) => m.includes('192.0.2.4')), 10_000, 'the entry to save a cursor at');
    await a.stop();
    const cursor = a.cursor;
    await rotate();
    sshdSays('Failed password for root from 192.0.2.5 port 4005 ssh2');
    sshdSays('Failed password for root from 192.0.2.6 port 4006 ssh2');
    // Every archived file, the one holding the cursor's entry among them, deleted as a size or age limit would.
    execFileSync('journalctl', ['--directory', journal.journald.directory, '--vacuum-files=1'], { stdio: 'pipe' });
    expect(archives()).toEqual([]);
    const resumed: string[] = [];
    const gone: string[] = [];
    const b = follow(cursor, resumed, gone);
    await b.start();
    await waitFor(() => resumed.some((m) => m.includes('192.0.2.6')), 10_000, 'the last entry');
    await b.stop();
    // journalctl --after-cursor skips one entry past where the cursor's was: 192.0.2.5's attempt was lost, unsaid.
    expect(resumed).toEqual([
      'Failed password for root from 192.0.2.5 port 4005 ssh2',
      'Failed password for root from 192.0.2.6 port 4006 ssh2',
    ]);
    expect(gone).toEqual([cursor]);
  }, 60_000);
});

describe('the service on a real journald', () => {
  it('says in its log when journald deleted the entry it read last, and reads on from the first one still there', async () => {
    const dir = join(t.dir, 'service');
    const events: AuthEvent[] = [];
    // From the journal's first entry: with `end`, an entry logged as journalctl starts may come before its end.
    const run = () => journalService(dir, { journalctl: journal.journalctl, events, startAt: 'start' });
    const first = run();
    await first.service.start();
    await waitFor(() => first.lines().some((l) => l['event'] === 'service-started'), 10_000, 'the first start');
    sshdSays('Failed password for root from 192.0.2.7 port 4007 ssh2');
    await waitFor(() => events.some((e) => e.ip === '192.0.2.7'), 10_000, "the first run's entry");
    await first.service.stop();
    const readBefore = events.length;
    await rotate();
    sshdSays('Failed password for root from 192.0.2.8 port 4008 ssh2');
    sshdSays('Failed password for root from 192.0.2.9 port 4009 ssh2');
    execFileSync('journalctl', ['--directory', journal.journald.directory, '--vacuum-files=1'], { stdio: 'pipe' });
    // The entry read last deleted with its file, or there is nothing to report.
    expect(archives()).toEqual([]);
    const second = run();
    await second.service.start();
    try {
      await waitFor(() => events.some((e) => e.ip === '192.0.2.9'), 10_000, "the second run's entries");
      expect(events[readBefore - 1]!.ip).toBe('192.0.2.7');
      expect(events.slice(readBefore).map((e) => e.ip)).toEqual(['192.0.2.8', '192.0.2.9']);
      // Logged once journalctl has said the entry is not there any more (journal-cursor-held.ts).
      const judged = () => second.lines().filter((l) => String(l['event']).startsWith('journal-cursor-'));
      await waitFor(() => judged().length > 0, 10_000, 'the saved cursor to be judged');
      const gone = judged();
      expect(gone).toHaveLength(1);
      expect(gone[0]!['event']).toBe('journal-cursor-gone');
      expect(gone[0]!['unchecked']).toBeUndefined();
      expect(gone[0]).toMatchObject({ level: 40, cursor: expect.stringMatching(/^s=/) });
      const lastReadAt = Date.parse(String(gone[0]!['lastReadAt']));
      const resumedAt = Date.parse(String(gone[0]!['resumedAt']));
      expect(events[readBefore - 1]!.time).toBeLessThanOrEqual(lastReadAt + 1000);
      expect(resumedAt).toBeGreaterThanOrEqual(lastReadAt);
      expect(first.lines().some((l) => l['event'] === 'journal-cursor-gone')).toBe(false);
    } finally {
      await second.service.stop();
    }
  }, 60_000);
});

// Last in the file: the local user's entry goes to a journal file of that user's (user-1000.journal).
describe("a local user's line under sshd's name on a real journald", () => {
  // journald takes SYSLOG_IDENTIFIER and SYSLOG_PID from the text (`logger -t 'sshd[1]' ...`), but records the
  // sender's uid itself.
  it('is passed over, the cursor moved past it', async () => {
    const got: string[] = [];
    const source = follow(null, got);
    await source.start();
    sshdSays('Failed password for root from 192.0.2.30 port 4030 ssh2');
    journal.sayMany([{ pid: 1, message: 'Failed password for root from 198.51.100.99 port 22 ssh2' }], 1000);
    const forged = () => journal.entries(['_UID=1000', '--identifier=sshd']).pop()?.['__CURSOR'];
    await waitFor(() => forged() !== undefined && source.cursor === forged(), 10_000, 'the forged entry passed over');
    await source.stop();
    expect(got.filter((m) => !m.startsWith('Failed password for root from 192.0.2.'))).toEqual([]);
    expect(got).toContain('Failed password for root from 192.0.2.30 port 4030 ssh2');
  }, 60_000);
});

describe("sshd's lines as journald records them", () => {
  it('reads its syslog lines under its three identifiers, with bytes that are not UTF-8, and not its stderr', async () => {
    const got: JournalEntry[] = [];
    const source = new JournalSource({
      command: journal.journalctl,
      cursor: null,
      startAt: 'start',
      machineId: localMachineId(),
      // The earlier tests' lines are read too: only this test's (pids 4040-4049) are kept.
      onEntry: (entry) => (String(entry.message.pid).startsWith('404') ? got.push(entry) : undefined),
      onError: (error) => {
        throw error;
      },
    });
    await source.start();
    journal.sayMany([
      { pid: 4041, message: 'Failed password for root from 192.0.2.41 port 4041 ssh2' },
      { pid: 4042, tag: 'sshd-session', message: 'Invalid user admin from 192.0.2.42 port 4042' },
      { pid: 4043, tag: 'cron', message: 'pam_unix(cron:session): session opened for user root' },
    ]);
    // What journald makes of an `sshd -e` line whose username held a newline: a forged line of its own.
    await journal.stdout('sshd', ['Failed password for root from 198.51.100.66 port 22 ssh2']);
    await waitFor(() => journal.entries(['_TRANSPORT=stdout']).length > 0, 10_000, 'the stderr line stored');
    const invalid = 'Failed password for invalid user \udcff\udcfe from 192.0.2.44 port 4044 ssh2';
    journal.sayMany([{ pid: 4044, tag: 'sshd-auth', message: invalid }]);
    await waitFor(() => got.some((e) => e.message.message.includes('192.0.2.44')), 10_000, 'the last line');
    await source.stop();
    expect(got.map((e) => [e.message.program, e.message.pid])).toEqual([
      ['sshd', 4041],
      ['sshd-session', 4042],
      ['sshd-auth', 4044],
    ]);
    const event = new SshdParser({ referenceTime: Date.now() }).parseMessage(got[2]!.message);
    expect(event).toMatchObject({ ip: '192.0.2.44', port: 4044, kind: 'failure', user: '\ufffd\ufffd' });
  }, 60_000);

  it('resumes after its cursor with every entry logged while stopped at once, not the first ten', async () => {
    const first: string[] = [];
    const a = follow(null, first);
    await a.start();
    // A line no earlier test logged: the follower reads the whole journal, which journalctl sends in pieces, and
    // waiting for the same text as the local user's test (192.0.2.30) stopped it, under load, at that older entry.
    // The restart then rightly read the entries after it, this test's line last, before the 25 (CI; 5 in 28 runs
    // under load here).
    const last = 'Failed password for root from 192.0.2.50 port 4050 ssh2';
    sshdSays(last);
    await waitFor(() => first.includes(last), 10_000, "this test's entry");
    await a.stop();
    // The cursor saved is that entry's, the last before the ones logged while stopped.
    expect(first.at(-1)).toBe(last);
    // More than journalctl's ten lines of --follow while stopped, then sshd says nothing more.
    const whileStopped = Array.from({ length: 25 }, (_, i) => ({
      pid: 7000 + i,
      message: `Failed password for root from 198.51.100.${i} port ${7000 + i} ssh2`,
    }));
    journal.sayMany(whileStopped);
    await waitFor(() => journal.entries(['SYSLOG_PID=7024']).length > 0, 10_000, 'journald to store them');
    // Stored a while before the restart: journald still writing them woke journalctl up and hid what follows.
    await sleep(1500);
    const resumed: string[] = [];
    const b = follow(a.cursor, resumed);
    await b.start();
    try {
      // journalctl 252 --follow --cursor without --no-tail sent ten entries from the cursor (the cursor's own and
      // nine), and the rest only once the journal changed again: on a quiet host, when sshd next logged.
      // Through journalctl's start (unshare, sh, journalctl): seconds under load. Not every run: in a later audit
      // (2026-11-25) this test read all 25 without --no-tail, and by hand journalctl sent ten in 6 runs of 7, so a
      // guard that cannot fail on that is test/sources/journal-source.test.ts's check of the arguments.
      await waitFor(() => resumed.length >= whileStopped.length, 30_000, 'every entry logged while stopped');
      expect(resumed).toEqual(whileStopped.map((l) => l.message));
    } finally {
      await b.stop();
    }
  }, 90_000);
});
