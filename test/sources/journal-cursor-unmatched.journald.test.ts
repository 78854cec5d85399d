import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { STATE_FILE } from '../../src/service/state-store.js';
import { localMachineId } from '../../src/sources/journal-args.js';
import { JournalSource } from '../../src/sources/journal-source.js';
import { type RealJournal, startRealJournal } from '../helpers/real-journal.js';
import { tempDir, waitFor } from '../service/helpers.js';
import { journalService } from '../service/journal-service.js';

/**
 * A saved cursor whose entry the follower's matches no longer choose: f2b-campaign before it read sshd's syslog(3)
 * entries only (_TRANSPORT=syslog) also read what an `sshd -e` wrote to stderr, and may have saved the cursor of such
 * an entry; /etc/machine-id changing does the same. journalctl --cursor then begins at the next entry the matches
 * choose. The entry is still in the journal and nothing was deleted: not `journal-cursor-gone`.
 */
const t = tempDir('journal-unmatched');
let journal: RealJournal;

beforeAll(async () => {
  journal = await startRealJournal(t.dir);
}, 30_000);
afterAll(async () => {
  await journal.stop();
  t.cleanup();
});

/** The cursor of the last entry sshd wrote on stderr (what the earlier version read last). */
function lastStderrCursor(): string {
  const cursor = journal.entries(['_TRANSPORT=stdout', 'SYSLOG_IDENTIFIER=sshd']).pop()?.['__CURSOR'];
  expect(cursor).toMatch(/^s=/);
  return cursor as string;
}

describe('resuming at a cursor the matches no longer choose', () => {
  it('reads the next entry they choose, repeats none, and does not call the cursor gone', async () => {
    journal.say('Failed password for root from 192.0.2.20 port 4020 ssh2');
    await journal.stdout('sshd', ['Failed password for root from 192.0.2.21 port 4021 ssh2']);
    const cursor = lastStderrCursor();
    journal.say('Failed password for root from 192.0.2.22 port 4022 ssh2');
    const got: string[] = [];
    const gone: string[] = [];
    const unmatched: Array<{ cursor: string; next: string | null }> = [];
    const source = new JournalSource({
      command: journal.journalctl,
      cursor,
      startAt: 'start',
      machineId: localMachineId(),
      onEntry: (entry) => got.push(entry.message.message),
      onError: (error) => got.push(`error: ${error.message}`),
      onCursorGone: (report) => gone.push(report.cursor),
      onCursorUnmatched: (report) => unmatched.push(report),
    });
    await source.start();
    await waitFor(() => got.length >= 1, 10_000, 'the entry after the cursor');
    await waitFor(() => gone.length + unmatched.length >= 1, 10_000, 'the cursor to be judged');
    await source.stop();
    expect(got).toEqual(['Failed password for root from 192.0.2.22 port 4022 ssh2']);
    expect(gone).toEqual([]);
    expect(unmatched).toEqual([{ cursor, next: source.cursor }]);
  }, 60_000);
});

describe('the service upgraded from a version that also read sshd -e', () => {
  it('reads on after the saved cursor and logs that its entry is no longer chosen, not that it is gone', async () => {
    const dir = join(t.dir, 'service');
    const events: AuthEvent[] = [];
    const run = () => journalService(dir, { journalctl: journal.journalctl, events, startAt: 'start' });
    const first = run();
    await first.service.start();
    journal.say('Failed password for root from 192.0.2.23 port 4023 ssh2');
    await waitFor(() => events.some((e) => e.ip === '192.0.2.23'), 10_000, "the first run's entry");
    await first.service.stop();
    // The earlier version read sshd's stderr entry too and saved its cursor, as the first line of its state says.
    await journal.stdout('sshd', ['Failed password for root from 192.0.2.24 port 4024 ssh2']);
    const stateFile = join(dir, 'state', STATE_FILE);
    const [head, ...rest] = readFileSync(stateFile, 'utf8').split('\n');
    const state = JSON.parse(head!) as Record<string, unknown>;
    writeFileSync(stateFile, [JSON.stringify({ ...state, journalCursor: lastStderrCursor() }), ...rest].join('\n'));
    journal.say('Failed password for root from 192.0.2.25 port 4025 ssh2');
    const readBefore = events.length;
    const second = run();
    await second.service.start();
    try {
      await waitFor(() => events.some((e) => e.ip === '192.0.2.25'), 10_000, "the second run's entry");
      const judged = () => second.lines().filter((l) => String(l['event']).startsWith('journal-cursor-'));
      await waitFor(() => judged().length > 0, 10_000, 'the saved cursor to be judged');
      expect(events.slice(readBefore).map((e) => e.ip)).toEqual(['192.0.2.25']);
      expect(judged()).toEqual([
        expect.objectContaining({ level: 30, event: 'journal-cursor-unmatched', cursor: expect.stringMatching(/^s=/) }),
      ]);
    } finally {
      await second.service.stop();
    }
  }, 60_000);
});
