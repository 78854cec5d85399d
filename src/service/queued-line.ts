import { restampVerdictLine } from '../verdict/verdict-line.js';
import { isRotationCopy } from './recent-bans.js';

/** A queued line (with its newline) as text, as the service's log names it. */
export function lineText(line: Buffer): string {
  return line.toString('utf8').replace(/\n$/, '');
}

/**
 * A queued line stamped with the time it is written, not when it was decided: fail2ban ignores a BAN line older than
 * findtime and counts the ban from the line's time, so a line held back by a full disk, or owed across a restart,
 * must not carry its old time (it keeps it as `decided=`). A copy after a rotation keeps its time: it was written at
 * it.
 */
export function stampedWhenWritten(line: Buffer, now: number): Buffer {
  const text = lineText(line);
  if (isRotationCopy(text)) return line;
  const restamped = restampVerdictLine(text, now);
  return restamped === text ? line : Buffer.from(`${restamped}\n`);
}

/** A write the file took only part of: a full disk, as the errno a failed write would have given. */
export function shortWrite(path: string): Error {
  return Object.assign(new Error(`short write to ${path}`), { code: 'ENOSPC' });
}
