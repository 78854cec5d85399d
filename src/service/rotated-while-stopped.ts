import { type Stats, statSync } from 'node:fs';
import { parseVerdictLine } from '../verdict/verdict-line.js';
import { type MarkedCopy, markedCopy } from './marked-copy.js';
import { ROTATION_REPEAT_MS, rotationCopy } from './recent-bans.js';
import { isMarked, readFrom, type VerdictLogMark } from './verdict-dedupe.js';

/** What a start found of a rotation of the verdict log while the service was stopped. */
export interface StoppedRotation {
  /** The copies to write into the new file, oldest first (each with its newline). */
  readonly copies: Buffer[];
  /** Copies the new file holds already (the last run saw the rotation, or a start wrote them before a crash). */
  readonly alreadyThere: number;
  /** Lines left out because the ban they asked for would be over by now. */
  readonly tooOld: number;
  /** When the old file was renamed (its ctime), or the file truncated (the path's ctime), as the copies were chosen by. */
  readonly renamedAt: number;
  /** `renamed` (to `.1`), or `truncated` in place after logrotate copied it to `.1` (copytruncate). */
  readonly how: 'renamed' | 'truncated';
}

/**
 * At start: whether the file the last run wrote (the state's mark) was rotated while the service was stopped,
 * and which of its BAN lines to write again into the file at the path. Within a run the writer repeats the BAN lines
 * of the last ROTATION_REPEAT_MS when it finds a new file (recent-bans.ts): fail2ban's polling backend never reads
 * what it had not read of the renamed file. Stopped, nobody was there to find it, so the same lines are taken from
 * the renamed file itself (at `.1` or further back, plain or compressed: marked-copy.ts): those written in the
 * ROTATION_REPEAT_MS before it was first renamed. At `.1` its ctime tells when, since rename(2) sets it on Linux file
 * systems and nothing writes to a rotated log; where a file system does not set it, it is the time of the last
 * write, and the lines of the 10 s before that are repeated, which only costs copies fail2ban answers with "already
 * banned". Further back, the file logrotate created in its place then tells it. A service stopped long before
 * logrotate ran repeats nothing:
 * fail2ban had all that time to read the file. A copy the new file holds already is not written again, nor one of a
 * line older than the campaign jail's bantime (`banLasts`, ms; none when not above 0): the ban it asked for would be
 * over, and fail2ban takes a line older than 60 s as just written, so a copy would ban the address again.
 *
 * A copytruncate (an admin's stanza) keeps the inode: the path names the marked file, now shorter than the mark
 * (or empty, as it was at the save). The lines are then taken from logrotate's copy, found by what it holds
 * (marked-copy.ts: `.1` or further back, plain or compressed), those of the ROTATION_REPEAT_MS before the
 * truncation that emptied it; the copies already there are not written again.
 *
 * null when there is nothing to tell: no mark (a first start), the path still names the marked file and is not
 * shorter (no rotation while stopped), or neither the marked file nor a copy of it is among the rotations (moved
 * elsewhere, or deleted).
 */
export function rotatedWhileStopped(
  last: {
    readonly path: string;
    readonly lastRun?: VerdictLogMark | null;
    readonly lastSavedAt?: number;
    readonly banLasts?: number;
  },
  now: number,
): StoppedRotation | null {
  const { path, lastRun: mark, lastSavedAt: savedAt, banLasts = 0 } = last;
  if (mark === undefined || mark === null) return null;
  const atPath = statOrNull(path);
  const how = atPath !== null && isMarked(atPath, mark) ? 'truncated' : 'renamed';
  let found: MarkedCopy | null = null;
  // Shorter than the mark; or empty, as it was at the save: then only a copy with lines the last run wrote after
  // that save tells a truncation (markedCopy).
  if (how === 'renamed' || atPath!.size < mark.size || (atPath!.size === 0 && mark.size === 0)) {
    found = markedCopy(path, mark, savedAt, how);
  }
  if (found === null) return null;
  const { leftAt: renamedAt, text } = found;
  const present = new Set(wholeLines(readOrEmpty(path)));
  const copies: Buffer[] = [];
  let alreadyThere = 0;
  let tooOld = 0;
  for (const line of wholeLines(text)) {
    const copy = rotationCopy(line);
    if (copy === null) continue;
    const time = parseVerdictLine(line)?.time;
    if (time === undefined || time < renamedAt - ROTATION_REPEAT_MS) continue;
    if (present.has(copy)) alreadyThere++;
    else if (banLasts > 0 && time <= now - banLasts) tooOld++;
    else copies.push(Buffer.from(`${copy}\n`));
  }
  return { copies, alreadyThere, tooOld, renamedAt, how };
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    // No file at the path: logrotate moved it without `create`; the writer makes the new one.
    return null;
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFrom(path, 0);
  } catch {
    return '';
  }
}

/** The file's whole lines: an unfinished last one (a full disk tore it) was never a line fail2ban could read. */
function wholeLines(text: string): string[] {
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
}
