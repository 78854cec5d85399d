import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { localMachineId } from '../../src/sources/journal-args.js';
import { JournalSource } from '../../src/sources/journal-source.js';
import { fakeProgram } from '../helpers/fake-program.js';
import { type RealJournal, resumedAtSecond, startRealJournal } from '../helpers/real-journal.js';
import { sleep, tempDir, waitFor } from './helpers.js';
import { journalService } from './journal-service.js';

/**
 * A first start with start_at = end on a journal with no sshd entry yet (a new host) reads sshd's first line; and
 * journalctl exits before the service has taken any entry (journald restarted, say) on a first start with
 * start_at = end. The supervisor restarts it a second later; what sshd logged in that second must still be read.
 * The real journalctl over a real journald (test/helpers/real-journal.ts): from its own start the restart would
 * begin after the entry, and it would never come.
 */
const t = tempDir('journal-restart');
const dir = t.dir;
const argsLog = join(dir, 'args.log');
let journal: RealJournal;

beforeAll(async () => {
  journal = await startRealJournal(dir);
}, 30_000);
afterAll(async () => {
  await journal.stop();
  t.cleanup();
});

describe('journal source on a first start at the end', () => {
  // First in the file: the journal holds no sshd entry yet, as on a new host. journalctl 252 `--follow --lines=0`
  // with matches skips the first matching entry when none was there as it started.
  it('reads the first line sshd logs after it started', async () => {
    const got: string[] = [];
    const source = new JournalSource({
      command: journal.journalctl,
      cursor: null,
      startAt: 'end',
      machineId: localMachineId(),
      onEntry: (entry) => got.push(entry.message.message),
      onError: (error) => got.push(`error: ${error.message}`),
    });
    await source.start();
    // journalctl has started (about 50 ms), as it had when it skipped the first line with --lines=0.
    await sleep(1000);
    journal.say('Failed password for root from 203.0.113.30 port 4030 ssh2', { pid: 4030 });
    journal.say('Failed password for root from 203.0.113.31 port 4031 ssh2', { pid: 4031 });
    await waitFor(() => got.some((m) => m.includes('203.0.113.31')), 10_000, 'the second line');
    await source.stop();
    expect(got).toEqual([
      'Failed password for root from 203.0.113.30 port 4030 ssh2',
      'Failed password for root from 203.0.113.31 port 4031 ssh2',
    ]);
  });
});

describe('journal source restarted before its first entry', () => {
  it('reads what came while journalctl was down, instead of starting again at the end', async () => {
    // Fails its first run, then is the real journalctl; each run's arguments are written down.
    const wrapper = join(
      fakeProgram(
        join(dir, 'wrapper'),
        'journalctl',
        [
          '#!/bin/sh',
          `echo "$*" >> "${argsLog}"`,
          `if [ ! -e "${dir}/failed-once" ]; then : > "${dir}/failed-once"; echo "journal unavailable" >&2; exit 1; fi`,
          `exec "${journal.journalctl}" "$@"`,
          '',
        ].join('\n'),
      ),
      'journalctl',
    );
    const events: AuthEvent[] = [];
    const { service, lines } = journalService(dir, { journalctl: wrapper, events });
    await service.start();
    try {
      await waitFor(() => lines().some((l) => l['event'] === 'source-failed'), 10_000, 'journalctl to fail');
      // sshd logs while journalctl is down (the supervisor waits 1 s before restarting it).
      journal.say('Failed password for root from 203.0.113.20 port 4242 ssh2', { pid: 4242 });
      expect(lines().some((l) => l['event'] === 'source-restarted')).toBe(false);
      await waitFor(() => lines().some((l) => l['event'] === 'source-restarted'), 10_000, 'the restart');
      const ours = () => events.filter((e) => e.ip === '203.0.113.20');
      // Through the restarted journalctl's start (its wrapper, unshare, sh, journalctl): seconds under load.
      await waitFor(() => ours().length > 0, 30_000, 'the entry logged while journalctl was down');
      expect(ours()).toEqual([expect.objectContaining({ ip: '203.0.113.20', kind: 'failure' })]);
      const runs = readFileSync(argsLog, 'utf8').trim().split('\n');
      expect(runs).toHaveLength(2); // the failed run and the restarted one
      // From when the first run began, not from the restart's own start, a second or more later.
      const since = runs.map(resumedAtSecond);
      expect(since[1]).toBeLessThanOrEqual(since[0]!);
    } finally {
      await service.stop();
    }
  }, 90_000);
});
