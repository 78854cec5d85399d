import { existsSync } from 'node:fs';
import type { Verdict } from '../core/verdict.js';
import { formatVerdictLine } from '../verdict/verdict-line.js';
import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';
import { OwedLines } from './owed-lines.js';
import { lineText, shortWrite } from './queued-line.js';
import { isRotationCopy, RecentBans } from './recent-bans.js';
import { rotatedWhileStopped } from './rotated-while-stopped.js';
import type { VerdictLogMark } from './verdict-dedupe.js';
import { type FileId, VerdictLogFile } from './verdict-log-file.js';
import { leftByLastRun, sayRotatedWhileStopped } from './verdict-log-resume.js';

export interface VerdictWriterOptions {
  readonly path: string;
  readonly log: Logger;
  /** The wall clock: live verdict times are when they are written, in UTC, as fail2ban expects. */
  readonly clock?: () => number;
  /** Lines owed from before a restart (the disk was full): written first, in order. */
  readonly owed?: readonly string[];
  /** Where the verdict log ended at the last run's last save, and when it saved: tells a rotation while stopped. */
  readonly lastRun?: VerdictLogMark | null;
  readonly lastSavedAt?: number;
  /** Milliseconds; the campaign jail's bantime: no line older than that is written again (rotated-while-stopped.ts). */
  readonly banLasts?: number;
}

/**
 * Appends verdict lines to the log fail2ban watches: one write(2) per line on an O_APPEND descriptor, so fail2ban
 * never reads half a line written by us. Reopens the file on SIGHUP and whenever the path no longer names the open
 * file (logrotate moved it away). When a write fails (disk full, I/O error) the lines are kept in order and retried;
 * the service goes on detecting and never exits over it. When the path names a new file, the BAN lines of the last
 * ROTATION_REPEAT_MS (recent-bans.ts) are written into it again (`repeat=rotation`): fail2ban may not have read them from the old one;
 * also when the file was truncated in place (copytruncate), and at start when it was rotated while the service was
 * stopped (rotated-while-stopped.ts).
 */
export class VerdictWriter {
  private readonly options: VerdictWriterOptions;
  private readonly clock: () => number;
  private readonly file: VerdictLogFile;
  /** Lines not yet (fully) written, oldest first, the first perhaps torn (owed-lines.ts). */
  private readonly queue: OwedLines;
  private failing: Error | null = null;
  /**
   * The file (ino, dev) the last run left ending inside a line that no owed line finishes, and what is still to end
   * it with (TORN_END and a newline) before anything else, or the next line would be glued to the part (flush()).
   */
  private partLeft: { readonly file: FileId; end: Buffer } | null = null;
  /** BAN lines written whole to the open file (ino, dev) lately, as their copies. */
  private readonly recent = new RecentBans();
  private resumed = false;
  written = 0;

  constructor(options: VerdictWriterOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.file = new VerdictLogFile(options.path);
    this.queue = new OwedLines(options.owed ?? []);
    const stopped = rotatedWhileStopped(options, this.clock());
    // Created at once: fail2ban refuses to start a jail whose logpath does not exist yet.
    try {
      this.open();
    } catch (error) {
      // Said at once, not when the first verdict is due, hours later perhaps (found in review): the service would run
      // looking healthy while nothing it decides could reach fail2ban. Once a write works, the recovery is said too.
      this.failing = error as Error;
      options.log.error({
        event: LOG_EVENTS.verdictWriteFailed,
        path: options.path,
        owed: this.queue.length,
        err: (error as Error).message,
      });
    }
    if (stopped !== null) {
      // Before the owed lines, as within a run (after the rest of a torn line: flush() puts it back whole).
      this.queue.queueCopies(stopped.copies);
      sayRotatedWhileStopped(options.log, options.path, stopped);
    }
    this.flush();
    // The last run's lines the file cannot take now are WARN `verdict-queued`, once, with their count: the last run
    // said each held as it decided it, this one only that writing failed, and bans were pending unsaid (found in
    // review). The queue is written in order, a rotation's copies first: what is left ends with the owed lines.
    const fromLastRun = Math.min(options.owed?.length ?? 0, this.queue.length);
    if (fromLastRun > 0) options.log.warn({ event: LOG_EVENTS.verdictQueued, owed: this.queue.length, fromLastRun });
  }

  /**
   * Formats and appends one verdict, or queues it if the file cannot take it now. Never throws. The service log says
   * which: `verdict-written` (flush(), with the line as the file has it) or `verdict-queued` (here, with the line as
   * decided; written later it carries that time as `decided=`). Said written when only queued, a full disk's
   * verdicts read as written in the log an operator explains a missed ban from (found in review).
   */
  write(verdict: Verdict): string {
    const now = this.clock();
    const line = formatVerdictLine({ ...verdict, time: now }, process.pid);
    this.queue.push(line);
    this.flush(now);
    // The queue is written in order: anything left in it includes the line just added.
    if (this.queue.length > 0) {
      this.options.log.warn({ event: LOG_EVENTS.verdictQueued, line, owed: this.queue.length });
    }
    return line;
  }

  /**
   * Lines owed (not yet written), for the state file; a torn first line whole, as it was begun: after a restart it
   * is either finished where its part is or, if that file was rotated meanwhile, written whole (resumeTorn()).
   */
  owed(): string[] {
    return this.queue.texts();
  }

  /** Where the file ends now: lines after this mark were written after the state that holds it. */
  mark(): VerdictLogMark | null {
    return this.file.mark();
  }

  /**
   * Periodic (every second): notices the file moved away, opens the path again (creating it if nobody did: fail2ban
   * will not start a jail whose logpath is missing) and retries owed lines. A path found missing is created only at
   * the next check, not at once: logrotate renames the file and creates the new one an instant later, and a file we
   * made in between would be moved aside by logrotate (`destination ... already exists, renaming to ....backup`).
   */
  check(): void {
    if (this.file.isOpen && this.file.movedAway()) {
      this.file.close();
      if (existsSync(this.options.path)) this.reopen('moved');
    } else if (this.file.isOpen) {
      this.noticeTruncation();
    } else if (this.queue.length === 0) {
      this.tryOpen('missing');
    }
    this.flush();
  }

  /** SIGHUP, or the path names another file: close and open the path again (created if missing). */
  reopen(reason: string): void {
    this.file.close();
    this.tryOpen(reason);
    this.flush();
  }

  close(): void {
    this.flush();
    this.file.close();
  }

  /** Opens the path if it can; a failure is left to the next write (which queues and reports) or check. */
  private tryOpen(reason: string): void {
    try {
      const created = !existsSync(this.options.path);
      this.open();
      this.options.log.info({ event: LOG_EVENTS.verdictLogReopened, reason, path: this.options.path, created });
    } catch {
      // Not writable now (directory gone, permissions): retried at the next check.
    }
  }

  /**
   * Opens the path. A new file there gets the BAN lines that went to the old one lately, queued again before anything
   * not yet written: fail2ban answers one it had read with "already banned"; the audit counts the copy as no verdict.
   * The first open that works looks at what the last run left (resumeTorn()): at start, or later if it failed then (a
   * file system remounted read-only), or the next line was glued to a part left there (found in review).
   */
  private open(): void {
    const repeated = this.file.open() ? this.requeueRecent() : 0;
    if (repeated > 0) this.options.log.info({ event: LOG_EVENTS.verdictLogReopened, reason: 'rotated', repeated });
    if (!this.resumed) this.resumeTorn();
    this.resumed = true;
  }

  /**
   * logrotate's copytruncate (an admin's stanza, not the package's `create`) keeps the file and empties it after
   * copying it: no new inode, so no rotation for movedAway(). fail2ban's polling backend starts the emptied file at
   * byte 0 (its first line changed) and never reads the copy, and a line written between the copy and the truncation
   * is in neither: lost bans, as after a rename. So the same answer: the recent BAN lines are written again.
   */
  private noticeTruncation(): void {
    const found = this.file.truncated();
    if (found === null) return;
    const { size, expected } = found;
    // The line's first part went with the copy, or was cut off: its rest would begin a line fail2ban cannot read.
    if (this.queue.tornIn !== null) this.wholeAgain();
    // A part the last run left went too: ended in the emptied file, its mark was a line of its own (found in review).
    this.partLeft = null;
    const repeated = this.requeueRecent();
    this.options.log.info({ event: LOG_EVENTS.verdictLogTruncated, path: this.options.path, size, expected, repeated });
  }

  /** A torn line's rest would begin a line fail2ban cannot read: the whole line is written again instead. */
  private wholeAgain(): void {
    this.options.log.warn({ event: LOG_EVENTS.verdictLineTorn, path: this.options.path });
    this.queue.wholeAgain();
  }

  /** Queues again, before anything not yet written, the BAN lines written lately; returns how many. */
  private requeueRecent(): number {
    const lines = this.recent.take(this.clock());
    this.queue.queueCopies(lines);
    return lines.length;
  }

  /** A copy the file cannot take now is WARN `verdict-queued`, as a verdict is (write()): it waited too. */
  private sayHeldCopies(): void {
    const owed = this.queue.length;
    for (const b of this.queue.heldCopies())
      this.options.log.warn({ event: LOG_EVENTS.verdictQueued, line: lineText(b), repeat: 'rotation', owed });
  }

  /** At start: the rest of a torn owed line follows its part, or a part no owed line finishes is ended first. */
  private resumeTorn(): void {
    const left = leftByLastRun(this.options.path, this.queue.first, this.options.log);
    if (left !== null && 'part' in left) {
      this.queue.tear(left.part, this.file.id);
    } else if (left !== null) {
      this.partLeft = { file: this.file.id, end: left.end };
    }
  }

  /** Writes what is queued, each line stamped when written (queued-line.ts), but the rest of a torn line. */
  private flush(now = this.clock()): void {
    if (this.queue.length === 0) return;
    try {
      if (this.file.isOpen && this.file.movedAway()) this.file.close();
      else if (this.file.isOpen) this.noticeTruncation();
      if (!this.file.isOpen) this.open();
      const tornIn = this.queue.tornIn;
      if (tornIn !== null && !this.file.is(tornIn)) {
        // The file that took the line's first part was rotated away before the rest could follow: that file keeps
        // the part; this one gets the whole line.
        this.wholeAgain();
      }
      if (this.partLeft !== null) {
        // Ended where it is, marked as no verdict; a file rotated since keeps its part, and the new one needs nothing.
        const left = this.partLeft;
        if (this.file.is(left.file)) {
          const n = this.file.write(left.end);
          left.end = left.end.subarray(n);
          if (left.end.length > 0) throw shortWrite(this.options.path);
        }
        this.partLeft = null;
      }
      while (this.queue.length > 0) {
        const whole = this.queue.took(this.file.write(this.queue.next(now)), this.file.id);
        if (whole === null) throw shortWrite(this.options.path);
        this.recent.remember(whole, this.clock());
        const text = lineText(whole);
        const copy = isRotationCopy(text) ? { repeat: 'rotation' } : null;
        if (copy === null) this.written++;
        // A copy is said too, as one: every line of the verdict log is to be explained by the service's log.
        this.options.log.info({ event: LOG_EVENTS.verdictWritten, line: text, ...copy });
      }
      this.queue.forgetCopies();
      if (this.failing) {
        this.options.log.warn({ event: LOG_EVENTS.verdictWriteRecovered, path: this.options.path });
        this.failing = null;
      }
    } catch (error) {
      if (!this.failing) {
        // Data not yet lost, but fail2ban is not banning what it should until an operator frees the disk.
        this.options.log.error({
          event: LOG_EVENTS.verdictWriteFailed,
          path: this.options.path,
          owed: this.queue.length,
          err: (error as Error).message,
        });
      }
      this.failing = error as Error;
      this.sayHeldCopies();
      // A descriptor on a device that failed may stay bad: start from the path next time.
      this.file.close();
    }
  }

  /** Whether lines are waiting because writing failed. */
  get blocked(): boolean {
    return this.failing !== null;
  }
}
