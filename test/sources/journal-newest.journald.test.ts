import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalCheck } from '../../src/service/journal-check.js';
import { localMachineId } from '../../src/sources/journal-args.js';
import { journalField } from '../../src/sources/journal-entry.js';
import { newestJournalCursor } from '../../src/sources/journal-newest.js';
import { JournalSource } from '../../src/sources/journal-source.js';
import { type RealJournal, startRealJournal } from '../helpers/real-journal.js';
import { memoryLogger, sleep, tempDir } from '../service/helpers.js';

/**
 * With no /etc/machine-id the follower reads the current boot only (`journalctl --follow` without --merge), and the
 * check before the core's clock passes a deadline (src/service/journal-check.ts) asks for the newest entry it reads.
 * A real journald that logged sshd's last lines in a boot before this one (its boot id bound over
 * /proc/sys/kernel/random/boot_id), then started again, as after a reboot, with nothing of sshd's yet.
 */
const t = tempDir('journal-newest-boots');
let journal: RealJournal;
let lastSaved: string;

beforeAll(async () => {
  const before = await startRealJournal(t.dir, { bootId: randomBytes(16).toString('hex') });
  before.say('Failed password for root from 203.0.113.40 port 4040 ssh2', { pid: 4040 });
  // sshd's last words as the machine shuts down, after the service saved its cursor for the last time.
  before.say('Received signal 15; terminating.', { pid: 4041 });
  lastSaved = journalField(before.entries(['SYSLOG_PID=4040'])[0]?.['__CURSOR']) ?? '';
  await before.stop();
  journal = await startRealJournal(t.dir);
}, 30_000);
afterAll(async () => {
  await journal.stop();
  t.cleanup();
});

/** Runs the check against `source` until it lets the clock pass a deadline due now (or 5 s pass). */
async function passesDeadline(source: JournalSource, machineId: string | null) {
  const { log, lines } = memoryLogger();
  const check = new JournalCheck({
    askNewest: (signal) => newestJournalCursor({ command: journal.journalctl, machineId, timeoutMs: 10_000, signal }),
    follower: () => source,
    log,
    stuckMs: 2_000,
    retryMs: 60_000,
  });
  // A held ban's end, due now; the clock goes there once the check has proven the journal read.
  const deadline = Date.now() - 1_000;
  let limit = 0;
  for (let i = 0; i < 50 && limit < deadline; i++) {
    limit = check.limit(Date.now(), deadline, Date.now());
    await sleep(100);
  }
  check.stop();
  return { passed: limit >= deadline, warnings: lines().filter((l) => l['event'] === 'journal-check-failed') };
}

// First in the file: this boot has no sshd entry yet.
describe('the journal check with no machine id, after a reboot', () => {
  it("asks for the newest entry the follower reads: the current boot's, not the last boot's", async () => {
    const newest = await newestJournalCursor({ command: journal.journalctl, machineId: null, timeoutMs: 10_000 });
    expect(newest).toBeNull();
  });

  it('lets the clock pass a deadline without waiting for sshd to log again', async () => {
    const source = new JournalSource({
      command: journal.journalctl,
      cursor: lastSaved,
      startAt: 'end',
      machineId: null,
      onEntry: () => undefined,
      onError: () => undefined,
    });
    await source.start();
    const { passed, warnings } = await passesDeadline(source, null);
    await source.stop();
    expect({ passed, warnings }).toEqual({ passed: true, warnings: [] });
  });
});

describe('the journal check with start_at = end, at start', () => {
  // sshd's newest entry came just before where the follower begins, in the second its --since names: the follower
  // passes it over, and the check does not wait for sshd's next line to prove the journal read.
  for (const from of ['its own start', 'a point in time (a restart)']) {
    it(`lets the clock pass a deadline at once, reading from ${from}`, async () => {
      await sleep(1020 - (Date.now() % 1000));
      const since = Date.now() + 200;
      journal.say('Failed password for root from 203.0.113.41 port 4042 ssh2', { pid: 4042 });
      await sleep(250);
      const got: string[] = [];
      const source = new JournalSource({
        command: journal.journalctl,
        cursor: null,
        startAt: 'end',
        machineId: localMachineId(),
        ...(from === 'its own start' ? {} : { since }),
        onEntry: (entry) => got.push(entry.message.message),
        onError: (error) => got.push(error.message),
      });
      await source.start();
      const { passed, warnings } = await passesDeadline(source, localMachineId());
      await source.stop();
      expect({ passed, warnings, got }).toEqual({ passed: true, warnings: [], got: [] });
    });
  }
});
