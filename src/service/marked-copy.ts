import { closeSync, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { parseVerdictLine } from '../verdict/verdict-line.js';
import { gzipTail } from './gzip-tail.js';
import { holdsMarkedText, MARKED_TEXT_BYTES, markedTextIn } from './marked-text.js';
import type { VerdictLogMark } from './verdict-dedupe.js';

/**
 * The file the last run wrote, or logrotate's copy of it, found among its rotations after one or more rotations while
 * the service was stopped: renamed (`create`, or moved without it), or copied and truncated in place (copytruncate).
 */
export interface MarkedCopy {
  /** Its text from byte 0 (the last 16 MB of it). */
  readonly text: string;
  /** Its text past the mark: the lines the last run wrote after its last save. */
  readonly sinceMark: string;
  /** When the marked text left the path (ms): the rename that moved it, or the truncation that emptied it. */
  readonly leftAt: number;
}

/** How many rotations back the copy is looked for: `.1` to `.9`, plain or compressed. */
const DEEPEST = 9;
/** Only the last 16 MB of a plain copy are read, as the crash dedupe reads (verdict-dedupe.ts). */
const MAX_TAIL_BYTES = 16 * 1024 * 1024;

/**
 * The marked file among its rotations, newest first: `.1`, then `.2` (rotated twice while stopped), each plain or
 * `.gz` (`compress` without `delaycompress` compresses it at once, and with it at the next rotation).
 *
 * After copytruncates (`how` truncated) it is logrotate's copy: at least as long as the mark and holding the marked
 * text (the mark's digest). A mark with nothing to tell that text by (a log empty at the save, or a state saved
 * before 2026-11-24 without a digest) takes the copy that holds a verdict line stamped at or after the save
 * (`savedAt`): only the last run wrote one after its save, and that run wrote to the marked file. Without a digest
 * `.1` at least as long as the mark is taken too, as it was before. The marked text was emptied (the copies are of
 * the BAN lines of the ROTATION_REPEAT_MS before it): a copytruncate truncates the file just after copying it. For
 * the copy at `.1`, the last truncation: the path's ctime (nothing wrote to it while stopped). Further back,
 * logrotate 3.21 leaves a plain copy the mtime of its making, and a compressed one the mtime the file had when
 * copied, so `.N.gz`'s is of the file's last line and `.N-1.gz`'s is when the truncation before emptied the file.
 *
 * After renames (`how` renamed) it is the marked inode itself, or its compressed copy holding the marked text (or,
 * without a digest, lines stamped after the save). It left the path at the first rename: at `.1`, its ctime (rename(2)
 * sets it; a compressed one's is when logrotate compressed it, just after). Further back, logrotate `create`d the file
 * that took its place at that instant, now `.N-1`, and nothing writes to it while the service is stopped: its mtime
 * (kept when compressed). Its own ctime would be the last rename's: until 2026-11-24 a file renamed twice while
 * stopped was taken as a rotation old, and the lines fail2ban had not read before the first rename were lost.
 */
export function markedCopy(
  path: string,
  mark: VerdictLogMark,
  savedAt?: number,
  how: 'truncated' | 'renamed' = 'truncated',
): MarkedCopy | null {
  let newer = Number.NaN;
  try {
    if (how === 'truncated') newer = statSync(path).ctimeMs;
  } catch {
    return null;
  }
  for (let n = 1; n <= DEEPEST; n++) {
    const found = rotation(`${path}.${n}`);
    if (found === null) return null;
    const { st } = found;
    const bytes = how === 'renamed' ? renamedFile(found, mark, savedAt) : copyOf(found, mark, savedAt, n);
    if (bytes !== null) {
      // The last 16 MB at most, as readFrom (verdict-dedupe.ts) reads a plain file.
      const last = Math.max(0, bytes.buffer.length - MAX_TAIL_BYTES);
      const from = Math.max(last, bytes.buffer.length - (bytes.total - mark.size));
      const truncatedAt = n === 1 || found.gz ? newer : st.mtimeMs;
      return {
        text: bytes.buffer.subarray(last).toString('utf8'),
        sinceMark: bytes.buffer.subarray(from).toString('utf8'),
        leftAt: how === 'truncated' ? truncatedAt : n === 1 ? st.ctimeMs : newer,
      };
    }
    newer = st.mtimeMs;
  }
  return null;
}

type Rotation = NonNullable<ReturnType<typeof rotation>>;

/** A copytruncate's copy: by inode number, as isMarked (verdict-dedupe.ts) tells it, the marked file is none. */
function copyOf(found: Rotation, mark: VerdictLogMark, savedAt: number | undefined, n: number): Bytes | null {
  const { st } = found;
  if (st.ino === mark.ino || (!found.gz && st.size < mark.size) || !mayBeCopy(st, mark, savedAt, n)) return null;
  const bytes = found.read(mark);
  return bytes !== null && bytes.total >= mark.size && isCopy(bytes, mark, savedAt, n) ? bytes : null;
}

/**
 * The renamed marked file: a plain one by its inode number (and the marked text where the mark has a digest: a
 * compressed rotation frees its inode, which a file created after it may get), a compressed one by what it holds.
 */
function renamedFile(found: Rotation, mark: VerdictLogMark, savedAt: number | undefined): Bytes | null {
  const { st } = found;
  if (!found.gz && st.ino === mark.ino && !byDigest(mark)) return found.read(mark);
  if ((!found.gz && st.size < mark.size) || !mayBeCopy(st, mark, savedAt, 0)) return null;
  const bytes = found.read(mark);
  return bytes !== null && bytes.total >= mark.size && isCopy(bytes, mark, savedAt, 0) ? bytes : null;
}

interface Bytes {
  readonly file: string;
  /** The last MAX_TAIL_BYTES. */
  readonly buffer: Buffer;
  /** The file's length. */
  readonly total: number;
  /** Where `buffer` begins in the file. */
  readonly start: number;
  /** A compressed copy's bytes before the mark, where its digest is taken, and where they begin. */
  readonly marked?: { readonly bytes: Buffer; readonly start: number };
}

/** Whether the marked text tells the copy (else the lines stamped after the save do). */
const byDigest = (mark: VerdictLogMark) => mark.tail !== undefined && mark.size > 0;

/**
 * Whether a rotation is worth reading: told by lines written after the save, a copy made before it holds none
 * (a plain copy's mtime is when it was made, a compressed one's its file's last write: after such a line either way).
 * At every start after a save of an empty log, the older compressed rotations would be decompressed for nothing.
 */
function mayBeCopy(st: Stats, mark: VerdictLogMark, savedAt: number | undefined, n: number): boolean {
  if (byDigest(mark) || (n === 1 && mark.tail === undefined && mark.size > 0)) return true;
  // A second's slack: the kernel stamps files with a coarse clock, a few ms behind the one lines are stamped with.
  return savedAt !== undefined && st.mtimeMs >= savedAt - 1000;
}

function isCopy(bytes: Bytes, mark: VerdictLogMark, savedAt: number | undefined, n: number): boolean {
  // A plain copy of more than 16 MB may hold the marked text before the part read: read there.
  if (byDigest(mark) && bytes.marked) return markedTextIn(bytes.marked.bytes, bytes.marked.start, mark) === true;
  if (byDigest(mark)) return markedTextIn(bytes.buffer, bytes.start, mark) ?? holdsMarkedText(bytes.file, mark);
  if (n === 1 && mark.tail === undefined && mark.size > 0) return true;
  if (savedAt === undefined) return false;
  const since = bytes.buffer.subarray(Math.max(0, mark.size - bytes.start)).toString('utf8');
  return since.split('\n').some((line) => (parseVerdictLine(line)?.time ?? -1) >= savedAt);
}

function rotation(name: string): { st: Stats; gz: boolean; read: (mark: VerdictLogMark) => Bytes | null } | null {
  for (const gz of [false, true]) {
    const file = gz ? `${name}.gz` : name;
    let st: Stats;
    try {
      st = statSync(file);
    } catch {
      continue;
    }
    return { st, gz, read: (mark) => (gz ? gunzipped(file, mark) : plain(file)) };
  }
  return null;
}

function plain(file: string): Bytes | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const total = fstatSync(fd).size;
    const start = Math.max(0, total - MAX_TAIL_BYTES);
    const buffer = Buffer.alloc(total - start);
    const got = readSync(fd, buffer, 0, buffer.length, start);
    return { file, buffer: buffer.subarray(0, got), total: start + got, start };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * A compressed copy, decompressed streaming (gzip-tail.ts): its last MAX_TAIL_BYTES, as of a plain one, and the bytes
 * the mark's digest covers. Until 2026-11-24 it was decompressed whole, up to 64 MB: a copy larger once decompressed
 * (a verdict log after a flood) was not read at all, so nothing was repeated and a crash wrote verdicts twice.
 */
function gunzipped(file: string, mark: VerdictLogMark): Bytes | null {
  const window = { from: Math.max(0, mark.size - MARKED_TEXT_BYTES), to: mark.size };
  const read = gzipTail(file, MAX_TAIL_BYTES, window);
  if (read === null) return null;
  const { total, tail } = read;
  return { file, buffer: tail, total, start: total - tail.length, marked: { bytes: read.window, start: window.from } };
}
