import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Verdict } from '../core/verdict.js';
import { parseVerdictLine } from '../verdict/verdict-line.js';
import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';
import { markedCopy } from './marked-copy.js';
import { holdsMarkedText, holdsMarkedTextByTimes } from './marked-text.js';
import { isRotationCopy } from './recent-bans.js';

/** Where the verdict log ended when the state was saved: lines after it were written after that state. */
export interface VerdictLogMark {
  readonly ino: number;
  readonly dev: number;
  readonly size: number;
  /** The digest of the bytes before `size` (marked-text.ts); states saved before 2026-11-24 have none. */
  readonly tail?: string;
}

/**
 * Whether a file at the verdict log's path, or at its `.1`, is the marked one: by inode number alone. Both are in one
 * directory, so on one file system, whose device number a reboot may change (LVM's dm-N in activation order, btrfs
 * and ZFS number theirs at mount); with it compared, the marked file was taken for another after such a reboot.
 */
export function isMarked(file: { readonly ino: number }, mark: VerdictLogMark): boolean {
  return file.ino === mark.ino;
}

/** A verdict's identity for dedupe: the verb and its first two fields (BAN: ip and campaign). Time is not part. */
export function verdictKey(verdict: Verdict): string {
  return [verdict.verb, ...verdict.fields.slice(0, 2).map(([k, v]) => `${k}=${String(v)}`)].join(' ');
}

/**
 * The same identity read back from a written line; null for a line that is not a verdict. Only from a line where a
 * field follows the two: every verdict has at least three (docs/verdict-line.md), and a part a full disk tore inside
 * the second (`campaign=c-...-1` of `c-...-12`) would name another verdict. The restart marks the parts it ends
 * (TORN_END), so none of them parses; this holds for a part an earlier version ended with a newline alone.
 */
export function lineKey(line: string): string | null {
  const parsed = parseVerdictLine(line);
  // A BAN written again after a rotation is no verdict of its own: the core makes its verdict once.
  if (!parsed || parsed.fields.size < 3 || parsed.fields.has('repeat')) return null;
  return [parsed.verb, ...[...parsed.fields].slice(0, 2).map(([k, v]) => `${k}=${v}`)].join(' ');
}

/**
 * Whether the marked file was truncated since the mark: shorter than the mark, or no longer holding the marked text
 * (written past the marked size again). Without the mark's digest (an older state), the lines before the mark tell by
 * their times; when they cannot, it is taken as not truncated, and said: the log is then read past the marked size,
 * whose lines were all written after the save either way, so no verdict is dropped that was not written, though
 * those in logrotate's copy may be written twice (fail2ban answers `already banned`). The other side would take
 * lines written before the save for verdicts made again, and could drop a new one of the same address and campaign.
 */
function truncatedSince(
  path: string,
  file: { readonly size: number },
  mark: VerdictLogMark,
  savedAt: number | undefined,
  log: Logger | undefined,
): boolean {
  // Empty at the mark: nothing tells; the file is read whole either way, and a copy only if it is one (markedCopy).
  if (file.size < mark.size || mark.size === 0) return true;
  if (mark.tail !== undefined) return !holdsMarkedText(path, mark);
  if (savedAt === undefined) return untold(log, path, mark);
  const holds = holdsMarkedTextByTimes(path, mark, savedAt);
  if (holds !== undefined) return !holds;
  // Only copies there (a mark a few lines into the file): a copy logrotate made after the save holds a line stamped
  // after it, and the truncation came after the copy. An older copy (the last run's own truncation) holds none.
  const copy = markedCopy(path, mark, savedAt, 'truncated');
  return (copy !== null && stampedAfter(copy.sinceMark, savedAt)) || untold(log, path, mark);
}

function untold(log: Logger | undefined, path: string, mark: VerdictLogMark): false {
  log?.warn({ event: LOG_EVENTS.verdictLogUntold, path, size: mark.size });
  return false;
}

/** Whether `text` holds a verdict line of its own (no copy, which keeps an older time) stamped after `time`. */
function stampedAfter(text: string, time: number): boolean {
  return text.split('\n').some((line) => !isRotationCopy(line) && (parseVerdictLine(line)?.time ?? -1) > time);
}

const MAX_TAIL_BYTES = 16 * 1024 * 1024;

/** The file from byte `start` to its end, or only its last 16 MB. */
export function readFrom(path: string, start: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(start, size - MAX_TAIL_BYTES);
    const buffer = Buffer.alloc(Math.max(0, size - from));
    readSync(fd, buffer, 0, buffer.length, from);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * After a crash the service resumes from its last saved state and reads some lines a second time; the verdicts
 * they cause were already written. This holds the verdict lines written after the saved mark (a multiset of
 * keys) and suppresses each once when the core produces it again.
 */
export class VerdictDedupe {
  private readonly pending = new Map<string, number>();

  /**
   * Reads the verdict log past `mark`, and the marked file when it was rotated since: renamed to `.1` (or further
   * back, marked-copy.ts), or copied there and truncated in place (copytruncate), which keeps the inode, and may have
   * been written past the marked size again. `savedAt`: when the mark was saved, which tells the copy where the mark
   * cannot; `log` hears when nothing tells whether it was truncated.
   */
  static fromLog(path: string, mark: VerdictLogMark | null, savedAt?: number, log?: Logger): VerdictDedupe {
    const dedupe = new VerdictDedupe();
    if (!mark) return dedupe;
    const text: string[] = [];
    try {
      const st = statSync(path);
      if (isMarked(st, mark) && !truncatedSince(path, st, mark, savedAt, log)) {
        text.push(readFrom(path, mark.size));
      } else {
        // The old file's tail (the renamed file, or the copy that holds the marked text), then the whole file at the
        // path: the verdicts written after the mark went to one or the other (found in review: after a copytruncate
        // and a kill -9, those in the copy were written a second time). Renamed, or truncated in place (copytruncate
        // keeps the inode): the marked file or logrotate's copy, at `.1` or further back, plain or compressed
        // (marked-copy.ts). An empty mark's digest is any file's: then only the marked inode, or lines stamped after
        // the save, tell it.
        const moved = markedCopy(path, mark, savedAt, isMarked(st, mark) ? 'truncated' : 'renamed');
        if (moved !== null) text.push(moved.sinceMark);
        text.push(readFrom(path, 0));
      }
    } catch {
      return dedupe;
    }
    // Each file's unfinished last line (a full disk tore it) is no verdict written: the state still owes it whole.
    for (const line of text.flatMap((t) => t.slice(0, t.lastIndexOf('\n') + 1).split('\n'))) {
      const key = lineKey(line);
      if (key !== null) dedupe.pending.set(key, (dedupe.pending.get(key) ?? 0) + 1);
    }
    return dedupe;
  }

  /** Whether `verdict` was already written (consumes one occurrence). */
  seen(verdict: Verdict): boolean {
    return this.pending.size > 0 && this.consume(verdictKey(verdict));
  }

  /** Whether a verdict line the state still owed was written after all (consumes one occurrence). */
  seenLine(line: string): boolean {
    const key = lineKey(line);
    return key !== null && this.pending.size > 0 && this.consume(key);
  }

  private consume(key: string): boolean {
    const count = this.pending.get(key) ?? 0;
    if (count === 0) return false;
    if (count === 1) this.pending.delete(key);
    else this.pending.set(key, count - 1);
    return true;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Once the re-read lines are behind us, nothing more can be a repeat. */
  clear(): void {
    this.pending.clear();
  }
}
