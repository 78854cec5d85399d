import { newestEntryArgs } from './journal-args.js';
import { journalField } from './journal-entry.js';
import type { JournalSourceOptions } from './journal-source.js';
import { localBootId } from './journal-start.js';
import { loadExeca } from './load-execa.js';

/** What the newest-entry query needs: the follower's program and matches, a time limit, a way to cancel it. */
export interface NewestEntryQuery extends Pick<JournalSourceOptions, 'command' | 'identifiers' | 'machineId'> {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** The boot id `journalctl --follow` reads (localBootId()), for when there is no machine id. */
  readonly bootId?: string | null;
}

/**
 * The cursor of the newest entry the journal follower reads (null: the journal holds none), from one journalctl run
 * without --follow. Rejects with journalctl's message when it fails, times out or answers something else.
 *
 * With no machine id the follower reads the current boot only (`--follow` without --merge), and journalctl without
 * --follow reads every boot: after a reboot, with no sshd entry of this boot yet, it named the last boot's (sshd's
 * "Received signal 15" as it stopped), which the follower never reads, and the check waited for sshd's next line
 * (test/sources/journal-newest.journald.test.ts). So the current boot's id is a match then too.
 */
export async function newestJournalCursor(query: NewestEntryQuery): Promise<string | null> {
  const execa = await loadExeca();
  const bootId = query.machineId ? null : query.bootId === undefined ? localBootId() : query.bootId;
  const args = [...newestEntryArgs(query), ...(bootId ? [`_BOOT_ID=${bootId}`] : [])];
  const result = await execa(query.command, args, {
    stdin: 'ignore',
    reject: false,
    cleanup: true,
    timeout: query.timeoutMs,
    // One entry: a megabyte holds the largest message journalctl prints whole.
    maxBuffer: 1 << 20,
    ...(query.signal ? { cancelSignal: query.signal } : {}),
  });
  if (result.timedOut) throw new Error(`${query.command} gave no answer in ${query.timeoutMs} ms`);
  if (result.failed) {
    const how = result.exitCode !== undefined ? `exited with code ${result.exitCode}` : result.shortMessage;
    throw new Error(`${query.command} ${how}: ${String(result.stderr).trim() || 'no message'}`);
  }
  const line = String(result.stdout)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .pop();
  if (line === undefined) return null;
  let cursor: string | undefined;
  try {
    cursor = journalField((JSON.parse(line) as Record<string, unknown>)['__CURSOR']);
  } catch {
    cursor = undefined;
  }
  if (cursor === undefined) throw new Error(`${query.command} printed no entry with a cursor: ${line.slice(0, 200)}`);
  return cursor;
}
