import { journalEntryCursor } from './journal-entry.js';
import { loadExeca } from './load-execa.js';

/** What the question needs: the follower's journalctl and a time limit. */
export interface CursorHeldQuery {
  readonly command: string;
  readonly timeoutMs: number;
}

/** Where a restart began when its first entry was not the saved cursor's (`next`: null for a line without one). */
export interface MovedCursor {
  readonly cursor: string;
  readonly next: string | null;
}

export interface MovedCursorReports {
  /**
   * The entry at `cursor` is no longer in the journal: journald deleted its file (SystemMaxUse=, MaxRetentionSec=,
   * `journalctl --vacuum-*`) since it was read, and entries after it may have gone with it. Reading resumed at the
   * first entry still there. `unchecked`: why journalctl could not say whether it is still there (then it may be).
   */
  readonly onCursorGone?: (gone: MovedCursor & { readonly unchecked?: string }) => void;
  /**
   * The entry at `cursor` is still in the journal, but the follower's matches no longer choose it (an upgrade
   * changed them, /etc/machine-id changed): reading resumed at the next entry they choose; nothing was deleted.
   */
  readonly onCursorUnmatched?: (moved: MovedCursor) => void;
}

/**
 * journalctl's arguments that print the entry at `cursor` if the journal still holds it, else the first entry after
 * where it stood: no matches (the follower's may no longer choose it), every journal file (`--merge`: an entry
 * stamped with another machine id or boot is still there), one entry.
 */
export function cursorHeldArgs(cursor: string): string[] {
  return ['--output=json', '--no-pager', '--merge', `--cursor=${cursor}`, '--lines=1'];
}

/**
 * Whether the journal still holds the entry at `cursor`. When the follower's first entry is not the cursor's, either
 * journald deleted it (and maybe more with it), or the follower's matches no longer choose it: this tells which.
 * Rejects with journalctl's message when it fails or times out.
 */
export async function journalHoldsCursor(query: CursorHeldQuery, cursor: string): Promise<boolean> {
  const execa = await loadExeca();
  const result = await execa(query.command, cursorHeldArgs(cursor), {
    stdin: 'ignore',
    reject: false,
    cleanup: true,
    timeout: query.timeoutMs,
    // One entry: a megabyte holds the largest message journalctl prints whole.
    maxBuffer: 1 << 20,
  });
  if (result.timedOut) throw new Error(`${query.command} gave no answer in ${query.timeoutMs} ms`);
  if (result.failed) {
    const how = result.exitCode !== undefined ? `exited with code ${result.exitCode}` : result.shortMessage;
    throw new Error(`${query.command} ${how}: ${String(result.stderr).trim() || 'no message'}`);
  }
  const first = String(result.stdout)
    .split('\n')
    .find((l) => l.trim() !== '');
  // A cursor names one entry exactly: journalctl prints another entry's cursor for any other (sd_journal_test_cursor).
  return first !== undefined && journalEntryCursor(first) === cursor;
}

/** Says which of the two `moved` is, once journalctl has answered; never rejects. */
export async function reportMovedCursor(
  query: CursorHeldQuery,
  moved: MovedCursor,
  reports: MovedCursorReports,
): Promise<void> {
  let held: boolean;
  try {
    held = await journalHoldsCursor(query, moved.cursor);
  } catch (error) {
    reports.onCursorGone?.({ ...moved, unchecked: (error as Error).message });
    return;
  }
  if (held) reports.onCursorUnmatched?.(moved);
  else reports.onCursorGone?.(moved);
}
