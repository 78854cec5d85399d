import { TORN_END } from '../verdict/verdict-line.js';
import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';
import type { StoppedRotation } from './rotated-while-stopped.js';
import { endsMidLine, unfinished } from './unfinished-line.js';

/** What the last run left at the end of the verdict log, as the start finds it (leftByLastRun). */
export type LeftByLastRun =
  /** The file ends with the first `part` bytes of the first owed line: its rest follows there. */
  | { readonly part: number }
  /** The file ends inside a line no owed line finishes: `end` goes there before anything else. */
  | { readonly end: Buffer }
  | null;

/**
 * At start, with the first line the state owes (`owed`, with its newline): if the file ends with its first part (a
 * full disk tore it before the last stop), the rest follows it there, as within a run. If logrotate moved that file
 * away while the service was stopped, the new file gets the line whole and the rotated one keeps the part. A part
 * that no owed line finishes: the last run died (kill -9, power loss) after a full disk tore a line and before a
 * save owed it. The lines read again since that save make its verdict again, which appended to the part would be
 * one line fail2ban's filter does not match (found in review: that address was never banned): the part is ended
 * with TORN_END and a newline first.
 */
export function leftByLastRun(path: string, owed: Buffer | undefined, log: Logger): LeftByLastRun {
  const part = owed === undefined ? 0 : unfinished(path, owed);
  if (part > 0) return { part };
  if (owed !== undefined && unfinished(`${path}.1`, owed) > 0) {
    log.warn({ event: LOG_EVENTS.verdictLineTorn, path });
  }
  if (!endsMidLine(path)) return null;
  log.warn({ event: LOG_EVENTS.verdictLineTorn, path, reason: 'left-by-last-run' });
  return { end: Buffer.from(`${TORN_END}\n`) };
}

/** Says what the start found of a rotation of the verdict log while the service was stopped, and repeats. */
export function sayRotatedWhileStopped(log: Logger, path: string, stopped: StoppedRotation): void {
  log.info({
    event: LOG_EVENTS.verdictLogReopened,
    path,
    ...(stopped.how === 'renamed'
      ? { reason: 'rotated-while-stopped', renamedAt: new Date(stopped.renamedAt).toISOString() }
      : { reason: 'truncated-while-stopped', truncatedAt: new Date(stopped.renamedAt).toISOString() }),
    repeated: stopped.copies.length,
    alreadyThere: stopped.alreadyThere,
    tooOld: stopped.tooOld,
  });
}
