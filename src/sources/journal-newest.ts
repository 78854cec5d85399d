import { journalField } from './journal-entry.js';
import { type JournalSourceOptions, newestEntryArgs } from './journal-source.js';
import { loadExeca } from './load-execa.js';

/** What the newest-entry query needs: the follower's program and matches, a time limit, a way to cancel it. */
export interface NewestEntryQuery extends Pick<JournalSourceOptions, 'command' | 'identifiers' | 'machineId'> {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/**
 * The cursor of the newest entry the journal follower reads (null: the journal holds none), from one journalctl run
 * without --follow. Rejects with journalctl's message when it fails, times out or answers something else.
 */
export async function newestJournalCursor(query: NewestEntryQuery): Promise<string | null> {
  const execa = await loadExeca();
  const result = await execa(query.command, newestEntryArgs(query), {
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
