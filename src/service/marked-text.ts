import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { parseVerdictLine } from '../verdict/verdict-line.js';
import { isRotationCopy } from './recent-bans.js';
import type { VerdictLogMark } from './verdict-dedupe.js';

/** How many bytes before a mark its digest covers: a few dozen lines, each with its millisecond time and pid. */
export const MARKED_TEXT_BYTES = 4096;

/**
 * The digest of the bytes just before the end of the verdict log, taken with its mark: a copytruncate keeps the inode
 * and may be written past the marked size again before a crash, so neither tells the marked text; this does, in the
 * file at the path and in logrotate's copy at `.1`. Undefined when the path no longer names `file` (rotated this
 * instant) or it is no regular file (a test's FIFO, /dev/null): the dedupe then goes by inode and size alone.
 */
export function markedTail(path: string, file: Stats): string | undefined {
  if (!file.isFile()) return undefined;
  return withFile(path, (fd, st) => (st.ino === file.ino && st.dev === file.dev ? digest(fd, file.size) : undefined));
}

/** Whether the file at `path` holds, up to the mark's size, the text the mark was taken on; false when not known. */
export function holdsMarkedText(path: string, mark: VerdictLogMark): boolean {
  const tail = mark.tail;
  if (tail === undefined) return false;
  return withFile(path, (fd, st) => st.isFile() && st.size >= mark.size && digest(fd, mark.size) === tail) ?? false;
}

/** How far before a mark without a digest its lines are read to tell the marked text by their times. */
const TIMES_BYTES = 64 * 1024;

/**
 * For a mark without a digest (a state saved before 2026-11-24), whether the file at `path`, at least as long as the
 * mark, still holds the marked text, told by the verdict lines just before the mark: the marked ones were written
 * before the save (`savedAt`, taken with the mark), so stamped at or before it; after a truncation since the save,
 * those there were written after it and stamped later. A `repeat=rotation` copy keeps its older time and tells
 * nothing. Undefined when nothing tells: no verdict line of its own there, or lines of both kinds (a clock set back).
 */
export function holdsMarkedTextByTimes(path: string, mark: VerdictLogMark, savedAt: number): boolean | undefined {
  const text = withFile(path, (fd) => {
    const from = Math.max(0, mark.size - TIMES_BYTES);
    const bytes = Buffer.alloc(mark.size - from);
    const got = readSync(fd, bytes, 0, bytes.length, from);
    const lines = bytes.subarray(0, got).toString('utf8').split('\n');
    // The last piece is no whole line; nor is the first one unless read from byte 0.
    return lines.slice(from === 0 ? 0 : 1, -1);
  });
  let before = false;
  let after = false;
  for (const line of text ?? []) {
    const time = isRotationCopy(line) ? undefined : parseVerdictLine(line)?.time;
    if (time !== undefined && time <= savedAt) before = true;
    else if (time !== undefined) after = true;
  }
  return before === after ? undefined : before;
}

/**
 * Whether `bytes`, which begin at byte `start` of a file (the last part read of it, or a decompressed copy whole),
 * hold the marked text before the mark's size; undefined when they do not reach back that far.
 */
export function markedTextIn(bytes: Buffer, start: number, mark: VerdictLogMark): boolean | undefined {
  if (mark.tail === undefined || start + bytes.length < mark.size) return false;
  const from = mark.size - Math.min(mark.size, MARKED_TEXT_BYTES) - start;
  if (from < 0) return undefined;
  const tail = bytes.subarray(from, mark.size - start);
  return createHash('sha256').update(tail).digest('hex') === mark.tail;
}

function digest(fd: number, end: number): string {
  const tail = Buffer.alloc(Math.min(end, MARKED_TEXT_BYTES));
  const got = readSync(fd, tail, 0, tail.length, end - tail.length);
  return createHash('sha256').update(tail.subarray(0, got)).digest('hex');
}

function withFile<T>(path: string, use: (fd: number, st: Stats) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return use(fd, fstatSync(fd));
  } finally {
    closeSync(fd);
  }
}
