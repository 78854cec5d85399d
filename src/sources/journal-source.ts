import type { ResultPromise } from 'execa';
import { journalArgs } from './journal-args.js';
import { compareJournalPlaces, type JournalPlace, journalPlace } from './journal-cursor.js';
import { type MovedCursorReports, reportMovedCursor } from './journal-cursor-held.js';
import { decodeJournalLine, type JournalEntry, journalEntryCursor } from './journal-entry.js';
import { type BootTime, beforePoint, localBootId, monotonicMicros, startCursor } from './journal-start.js';
import { loadExeca } from './load-execa.js';
import type { Source, SourceErrorHandler, SourceHealth } from './source.js';

/**
 * The uid of the sshd processes whose lines count: the listener, the monitor that logs for its chrooted pre-auth
 * child, and the process that runs PAM for keyboard-interactive all run as root. Any local user can log under the
 * identifier `sshd` (`logger -t 'sshd[1]' 'Failed password for root from <anyone> ...'`), but journald records the
 * sender's uid itself. The process of a session that logged in runs as its user; its lines (the session's end)
 * count nothing. (Checked on OpenSSH 9.2 by the uid the kernel passes with each line on the syslog socket.)
 */
export const SSHD_UID = 0;

/**
 * The first entry of a restart that is not the cursor's is reported (MovedCursorReports) as deleted or as no longer
 * chosen by the matches.
 */
export interface JournalSourceOptions extends MovedCursorReports {
  /** The journalctl program (tests give a fake one). */
  readonly command: string;
  /** Resume after this entry; null the first time. */
  readonly cursor: string | null;
  /** With no cursor: 'end' reads only new entries, 'start' the whole journal. */
  readonly startAt: 'start' | 'end';
  /**
   * With no cursor but a previous run that read nothing (readsFrom): read what journald received from this time (ms)
   * on, so entries that came while we were down are not skipped as older than this run's start.
   */
  readonly since?: number;
  /** Where `since` was on the boot's own clock (readsFromBoot): read by it, whatever the wall clock did since. */
  readonly sinceAt?: BootTime;
  /** The current boot's id (localBootId(), which tests may replace); null: /proc shows none. */
  readonly bootId?: string | null;
  /** Called synchronously per entry; the cursor moves past the entry when it returns. */
  readonly onEntry: (entry: JournalEntry) => void;
  readonly onError: SourceErrorHandler;
  /**
   * What journalctl says on stderr while it runs, a line at a time (MAX_NOTICES a run at most). A service user that
   * may not read the system journal gets only a hint there ("You are currently not seeing messages from other users
   * and the system") and then sshd's entries never come; it may also name a journal file it skips as corrupt.
   */
  readonly onNotice?: (line: string) => void;
  readonly identifiers?: readonly string[];
  /** This machine's id (/etc/machine-id, localMachineId()): followed across boots with it; null: the current boot. */
  readonly machineId?: string | null;
}

/** Lines of journalctl's stderr passed on per run (onNotice), and how much of each: its hints are a few lines. */
const MAX_NOTICES = 20;
const MAX_NOTICE_LENGTH = 500;
/** How long journalctl may take to say whether the saved cursor's entry is still there. */
const CURSOR_HELD_TIMEOUT_MS = 5_000;

/** Streamed (never buffered), never rejected (an exit is reported through onError), killed with us. */
const EXEC_OPTIONS = { buffer: false, stdin: 'ignore', reject: false, cleanup: true } as const;

/**
 * Follows sshd's entries in the systemd journal through `journalctl -f -o json`, resuming after the saved cursor.
 * The child is killed on stop; if it exits by itself, that is reported as an error (the supervisor restarts it
 * from the last cursor).
 */
export class JournalSource implements Source {
  readonly name = 'journal';
  private readonly options: JournalSourceOptions;
  private child: ResultPromise<typeof EXEC_OPTIONS> | null = null;
  private cursorValue: string | null;
  private stopping = false;
  private delivered = 0;
  private lastDeliveryAt: number | undefined;
  private lastDataAt = 0;
  /** With no cursor: entries journald received before this time (ms) are passed over, not this follower's. */
  private notBefore: number | null = null;
  /** notBefore on the boot's clock: within that boot, entries are passed over by it (journal-start.ts). */
  private notBeforeAt: BootTime | undefined;
  private readonly bootId: string | null;
  private began = false;
  private failure: string | null = null;
  private stderrTail = '';
  /** The cursor this run began at, until its first line: the entry read last, unless journald has deleted it. */
  private echo: string | null = null;
  /** journalctl asked why the first entry was not the cursor's, until it answered. */
  private judging: Promise<void> | null = null;

  constructor(options: JournalSourceOptions) {
    this.options = options;
    this.cursorValue = options.cursor;
    this.bootId = options.bootId === undefined ? localBootId() : options.bootId;
  }

  get cursor(): string | null {
    return this.cursorValue;
  }

  /**
   * With nothing read yet, where this run began (ms): what journald received from then on is to be read, so a run
   * after it, with no cursor either, begins there too (0: the whole journal). Undefined before start, and once an
   * entry was read or passed over: the cursor says where then.
   */
  get readsFrom(): number | undefined {
    if (this.cursorValue !== null) return undefined;
    return this.notBefore ?? (this.options.startAt === 'start' && this.began ? 0 : undefined);
  }

  /** readsFrom on the boot's own clock, where it is known. */
  get readsFromBoot(): BootTime | undefined {
    return this.cursorValue === null && this.notBefore !== null ? this.notBeforeAt : undefined;
  }

  async start(): Promise<void> {
    const execa = await loadExeca();
    if (this.stopping) return;
    this.echo = this.cursorValue;
    this.began = true;
    // journalctl's --since takes whole seconds: what journald received in that second before `since` is passed over
    // here, by __REALTIME_TIMESTAMP (start_at = end: before this run's start; a restart: before where the last began).
    // A point of a saved state, or a restart's, is sought by the boot's clock where its boot is known (startCursor):
    // the wall clock may have been set back since, and journald's times then come before it.
    let resume: string | null = null;
    if (this.cursorValue === null && this.options.since !== undefined) {
      this.notBefore = this.options.since;
      this.notBeforeAt = this.options.sinceAt;
      resume = startCursor(this.notBefore, this.notBeforeAt, this.bootId);
    } else if (this.cursorValue === null && this.options.startAt === 'end') {
      this.notBefore = Date.now();
      this.notBeforeAt = this.bootId === null ? undefined : { boot: this.bootId, monotonic: monotonicMicros() };
    }
    const since = this.notBefore ?? undefined;
    const args = journalArgs({
      ...this.options,
      cursor: this.cursorValue,
      ...(since === undefined ? {} : { since }),
      ...(resume === null ? {} : { startCursor: resume }),
    });
    const child = execa(this.options.command, args, EXEC_OPTIONS);
    this.child = child;
    let carry = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.lastDataAt = Date.now();
      const parts = (carry + chunk).split('\n');
      carry = parts.pop() ?? '';
      try {
        for (const line of parts) this.line(line);
      } catch (error) {
        // An entry the pipeline could not take: stop here; the restart resumes after the last entry taken.
        if (this.stopping) return;
        this.failure = (error as Error).message;
        void this.stop().finally(() => this.options.onError(error as Error));
      }
    });
    child.stderr?.setEncoding('utf8');
    let notices = 0;
    let stderrCarry = '';
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
      const lines = (stderrCarry + chunk).split('\n');
      stderrCarry = (lines.pop() ?? '').slice(-MAX_NOTICE_LENGTH);
      for (const line of lines) {
        const text = line.trim();
        if (text === '' || notices >= MAX_NOTICES || this.stopping) continue;
        notices++;
        this.options.onNotice?.(text.slice(0, MAX_NOTICE_LENGTH));
      }
    });
    void child.then((result) => {
      if (this.stopping) return;
      const command = this.options.command;
      if (result.exitCode === undefined && !result.signal) {
        // It never ran (missing, not executable): say that, not "exited with code undefined".
        this.failure = `cannot run ${command}: ${result.originalMessage ?? result.shortMessage ?? 'unknown error'}`;
      } else {
        const how = result.signal ? `signal ${result.signal}` : `code ${result.exitCode}`;
        this.failure = `${command} exited with ${how}: ${this.stderrTail.trim() || 'no message'}`;
      }
      this.options.onError(new Error(this.failure));
    });
  }

  /**
   * Whether journalctl has sent nothing for `quietMs` by `now`. While it streams, entries already in the journal may
   * still be in its pipe: the service lets the wall clock end nothing until it is quiet (campaign-service.ts).
   */
  quiet(now: number, quietMs: number): boolean {
    return now - this.lastDataAt >= quietMs;
  }

  /**
   * Whether this follower has read (or passed over) the entry at `cursor`, or is past it. The journal's order is
   * read from journald's cursors (journal-cursor.ts); a cursor of another form counts only when it is the last read.
   */
  hasRead(cursor: string): boolean {
    if (this.cursorValue === cursor) return true;
    const entry = journalPlace(cursor);
    if (entry === null) return false;
    if (this.cursorValue === null) return this.beganAfter(entry);
    const read = journalPlace(this.cursorValue);
    return read !== null && compareJournalPlaces(read, entry) >= 0;
  }

  /** With nothing read yet: whether `entry` comes before where journalctl was told to begin (not this follower's). */
  private beganAfter(entry: JournalPlace): boolean {
    return this.notBefore !== null && beforePoint(entry, this.notBefore, this.notBeforeAt, this.bootId);
  }

  health(): SourceHealth {
    const base = { name: this.name, delivered: this.delivered };
    const last = this.lastDeliveryAt !== undefined ? { lastDeliveryAt: this.lastDeliveryAt } : {};
    if (this.failure) return { ...base, ...last, state: 'failed', detail: this.failure };
    if (this.stopping) return { ...base, ...last, state: 'stopped' };
    return { ...base, ...last, state: 'following' };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    this.child = null;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await child.catch(() => undefined);
    clearTimeout(timer);
    await this.judging;
  }

  /** Whether an entry comes before notBefore: by its place where its cursor is journald's, else by its time. */
  private passedOver(entry: JournalEntry): boolean {
    const place = journalPlace(entry.cursor);
    if (place === null) return entry.message.time < this.notBefore!;
    return beforePoint(place, this.notBefore!, this.notBeforeAt, this.bootId);
  }

  private line(line: string): void {
    if (this.stopping || line.trim() === '') return;
    if (this.echo !== null) {
      const echo = this.echo;
      this.echo = null;
      const cursor = journalEntryCursor(line) ?? null;
      if (cursor === echo) return;
      // Asked after the fact, while the entries go on: asked before the start, an entry deleted in between would be
      // taken for one the matches skip, and a loss would go unsaid.
      const query = { command: this.options.command, timeoutMs: CURSOR_HELD_TIMEOUT_MS };
      this.judging = reportMovedCursor(query, { cursor: echo, next: cursor }, this.options);
    }
    const entry = decodeJournalLine(line);
    if (!entry) {
      // Not an entry the parser could take (no message, say): passed over, as a restart would pass over it again.
      this.cursorValue = journalEntryCursor(line) ?? this.cursorValue;
      return;
    }
    // --since asks for the whole second: what journald had before notBefore is not ours (beganAfter); by the boot's
    // clock within its boot, as a wall clock set back while we ran stamps new entries before it.
    if (this.notBefore !== null && this.passedOver(entry)) return;
    if (entry.uid !== undefined && entry.uid !== SSHD_UID) {
      // Not sshd's, whatever its identifier says: passed over, so a restart does not read it again.
      this.cursorValue = entry.cursor;
      return;
    }
    this.delivered++;
    this.lastDeliveryAt = Date.now();
    this.options.onEntry(entry);
    this.cursorValue = entry.cursor;
  }
}
