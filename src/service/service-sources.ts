import { existsSync } from 'node:fs';
import { SshdParser } from '../parse/sshd-parser.js';
import { AuthLogSource } from '../sources/auth-log-source.js';
import type { FilePosition } from '../sources/file-position.js';
import { localMachineId } from '../sources/journal-args.js';
import { journalCursorTime } from '../sources/journal-cursor.js';
import { newestJournalCursor } from '../sources/journal-newest.js';
import { JournalSource } from '../sources/journal-source.js';
import { type BootTime, localBootId } from '../sources/journal-start.js';
import { SocketSampler } from '../sources/socket-sampler.js';
import { SocketTracker } from '../sources/socket-tracker.js';
import type { SourceHealth } from '../sources/source.js';
import { JournalCheck } from './journal-check.js';
import { journalResumePoint } from './journal-resume.js';
import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';
import type { Pipeline } from './pipeline.js';
import type { ServiceSettings } from './service-settings.js';
import type { ServiceState } from './state-store.js';
import { Supervisor } from './supervisor.js';

/** How long journalctl must have sent nothing before the entries written so far count as read. */
const JOURNAL_QUIET_MS = 1000;
/** How long journalctl may take to name the newest entry: it reads the journal's tail, milliseconds on a sane disk. */
const NEWEST_ENTRY_TIMEOUT_MS = 30_000;
/** Distinct lines of journalctl's stderr logged in a service's life (journalctl-said): a bound on what it can flood. */
const MAX_NOTICES_SAID = 100;

/** Which input `source = auto` picks: a file when one of the auth_log paths exists, else the journal. */
export function chooseInput(settings: ServiceSettings): 'file' | 'journal' {
  if (settings.source !== 'auto') return settings.source;
  return settings.authLogs.some((path) => existsSync(path)) ? 'file' : 'journal';
}

/** The live inputs of one service run, each under its own supervisor. */
export class ServiceSources {
  readonly files: Supervisor<AuthLogSource>[] = [];
  journal: Supervisor<JournalSource> | null = null;
  /** Whether the journal follower has read what journald holds, before the core's clock passes a deadline. */
  private journalCheck: JournalCheck | null = null;
  readonly sockets: Supervisor<SocketSampler>;
  readonly tracker: SocketTracker;
  lastSampleAt: number | null = null;
  private readonly savedJournalCursor: string | null;
  /** Where the journal follower began with no cursor (JournalSource.readsFrom), for the next to begin there. */
  private journalSince: number | undefined;
  /** journalSince on the boot's clock, where known (JournalSource.readsFromBoot). */
  private journalSinceAt: BootTime | undefined;
  private readonly parsers = new Map<string, SshdParser>();
  /** The files being read to their end, or whose line asked for it, while readOthers runs (readOthers). */
  private readonly reading = new Set<string>();

  constructor(settings: ServiceSettings, pipeline: Pipeline, state: ServiceState | null, log: Logger) {
    const notice = (path: string) => (event: string, detail: Record<string, unknown>) => {
      // A file gone while we were stopped (or deleted unread) is lost data: the operator should know.
      if (event === 'lost') log.error({ event: LOG_EVENTS.sourceLinesLost, path, ...detail });
      else log.info({ event: LOG_EVENTS.sourceNotice, notice: event, path, ...detail });
    };
    if (chooseInput(settings) === 'file') {
      for (const path of settings.authLogs) {
        const saved = state?.files.find((f) => f.path === path) ?? null;
        // One parser per file for the whole run: it pairs the lines of one sshd connection by pid.
        const parser = new SshdParser(
          { referenceTime: Date.now, fallbackTime: () => this.unstampedTime(pipeline) },
          state?.parsers?.[`file:${path}`],
        );
        this.parsers.set(`file:${path}`, parser);
        const supervisor: Supervisor<AuthLogSource> = new Supervisor({
          log,
          create: (onError) =>
            new AuthLogSource({
              path,
              position: supervisor.current?.position() ?? saved,
              startAt: settings.startAt,
              onLine: (line) => pipeline.onLine(`file:${path}`, () => parser.parseLine(line)),
              onError,
              onNotice: notice(path),
            }),
        });
        this.files.push(supervisor);
      }
      if (this.files.length > 1) pipeline.beforeDeadline = (source) => this.readOthers(source);
    } else {
      this.savedJournalCursor = state?.journalCursor ?? null;
      const parser = new SshdParser({ referenceTime: Date.now }, state?.parsers?.['journal']);
      this.parsers.set('journal', parser);
      // A previous run that saved no cursor had read nothing yet: resume where it began, not from "now", which
      // would skip what came while we were down.
      const bootId = localBootId();
      if (state && state.journalCursor === null) {
        const point = journalResumePoint(state, Date.now(), bootId, log);
        this.journalSince = point.since;
        this.journalSinceAt = point.at;
      }
      const machineId = localMachineId();
      // A journalctl that keeps failing is started again every few seconds, up to every minute, and says the same
      // on each run: each line is logged once, not on every restart (each source-failed line ends with them too).
      const said = new Set<string>();
      const journal: Supervisor<JournalSource> = new Supervisor({
        log,
        create: (onError) => {
          // Restarted (journalctl exited) before any entry came: from its own start again it would skip what arrived
          // while it was down, so read from where the last run began instead.
          const began = journal.current?.readsFrom;
          if (began !== undefined) {
            this.journalSince = began;
            this.journalSinceAt = journal.current?.readsFromBoot;
          }
          const since = this.journalSince;
          const sinceAt = this.journalSinceAt;
          return new JournalSource({
            command: settings.journalctl,
            cursor: journal.current?.cursor ?? this.savedJournalCursor,
            startAt: settings.startAt,
            machineId,
            bootId,
            ...(since !== undefined ? { since } : {}),
            ...(sinceAt !== undefined ? { sinceAt } : {}),
            onEntry: (entry) => pipeline.onLine('journal', () => parser.parseMessage(entry.message)),
            // sshd's entries journald received between the two times may have been deleted with the last one read.
            onCursorGone: ({ cursor, next, unchecked }) =>
              log.warn({
                event: LOG_EVENTS.journalCursorGone,
                cursor,
                lastReadAt: journalCursorTime(cursor),
                resumedAt: journalCursorTime(next),
                ...(unchecked !== undefined ? { unchecked } : {}),
              }),
            // Still there, no longer chosen by the matches (an upgrade, a new machine id): nothing was lost.
            onCursorUnmatched: ({ cursor, next }) =>
              log.info({
                event: LOG_EVENTS.journalCursorUnmatched,
                cursor,
                lastReadAt: journalCursorTime(cursor),
                resumedAt: journalCursorTime(next),
              }),
            onError,
            onNotice: (text) => {
              if (said.has(text) || said.size >= MAX_NOTICES_SAID) return;
              said.add(text);
              log.warn({ event: LOG_EVENTS.journalctlSaid, text });
            },
          });
        },
      });
      this.journal = journal;
      this.journalCheck = new JournalCheck({
        askNewest: (signal) =>
          newestJournalCursor({ command: settings.journalctl, machineId, timeoutMs: NEWEST_ENTRY_TIMEOUT_MS, signal }),
        follower: () => journal.current,
        log,
      });
    }
    this.savedJournalCursor ??= state?.journalCursor ?? null;
    const tracker = new SocketTracker(settings.sshPorts);
    this.tracker = tracker;
    this.sockets = new Supervisor({
      log,
      create: (onError) =>
        new SocketSampler({
          dir: settings.socketsFrom,
          // The detector times sshd's connections; the alerts follow what this host connects to after a
          // suspicious login, and learn from listening sockets which ports it serves.
          keep: () => true,
          select: { ports: new Set(settings.sampledPorts), outbound: true },
          interval: () => (pipeline.campaignOpen() ? settings.sampleIntervalCampaign : settings.sampleInterval),
          onSample: (sample) => {
            this.lastSampleAt = sample.time;
            tracker.update(sample);
            pipeline.onSample(sample);
          },
          onError,
        }),
    });
  }

  all(): Supervisor<AuthLogSource | JournalSource | SocketSampler>[] {
    return [...this.files, ...(this.journal ? [this.journal] : []), this.sockets];
  }

  /** Each source's health for `status`; the journal's says why the core's clock is held, when it is (journal-check.ts). */
  health(now: number): SourceHealth[] {
    const note = this.journalCheck?.note(now);
    return this.all().map((supervisor) => {
      const health = supervisor.health();
      if (note === undefined || supervisor !== this.journal) return health;
      return { ...health, detail: health.detail === undefined ? note : `${health.detail}; ${note}` };
    });
  }

  async start(): Promise<void> {
    for (const supervisor of this.all()) await supervisor.start();
  }

  async stop(): Promise<void> {
    this.journalCheck?.stop();
    await Promise.all(this.all().map((s) => s.stop()));
  }

  positions(): FilePosition[] {
    return this.files.flatMap((s) => (s.current ? [s.current.position()] : []));
  }

  /** Parser memories, taken in the same synchronous step as the positions. */
  parserSnapshots(): Record<string, unknown> {
    return Object.fromEntries([...this.parsers].map(([key, parser]) => [key, parser.snapshot()]));
  }

  /**
   * Where a restart resumes the journal: after the cursor, or, with nothing read yet, where this run began reading
   * (journalSince): the time of the save would skip what journald received before it and journalctl had not sent.
   */
  journalState(): Pick<ServiceState, 'journalCursor' | 'journalSince' | 'journalSinceAt'> {
    const cursor = this.journal?.current?.cursor ?? this.savedJournalCursor;
    if (cursor !== null) return { journalCursor: cursor };
    const current = this.journal?.current;
    const began = current?.readsFrom;
    const since = began ?? this.journalSince;
    const at = began !== undefined ? current?.readsFromBoot : this.journalSinceAt;
    return {
      journalCursor: cursor,
      ...(since === undefined ? {} : { journalSince: since }),
      ...(since === undefined || at === undefined ? {} : { journalSinceAt: at }),
    };
  }

  /**
   * Whether every line written so far has been read, as far as can be known: each file is read to its end now (one
   * look each, which stops on its byte budget behind a burst), and journalctl, which may hold entries it has not sent
   * yet, has sent nothing for JOURNAL_QUIET_MS.
   */
  caughtUp(now: number): boolean {
    let all = true;
    for (const supervisor of this.files) if (supervisor.current && !supervisor.current.catchUp()) all = false;
    const journal = this.journal?.current;
    if (journal && !journal.quiet(now, JOURNAL_QUIET_MS)) all = false;
    return all;
  }

  /**
   * How far the core's clock may go at `now`, the wall clock taking it to `target`, with `deadline` the core's next
   * (CorrelationCore.nextDeadline): a file read to its end (caughtUp) proves its lines read; the journal is asked
   * (journal-check.ts) before the clock passes a deadline.
   */
  clockLimit(target: number, deadline: number | undefined, now: number): number {
    return this.journalCheck ? this.journalCheck.limit(target, deadline, now) : target;
  }

  /**
   * Reads every followed file but `from` to its end, before a line of `from` moves the core past a held ban's end
   * (Pipeline.beforeDeadline). Each file's own lines come in order, but the core's clock is moved by every file's:
   * read first, a line of one file past the hold's end banned the colleague whose login, written before it in
   * another file (a second sshd's `-E` log behind a burst, or simply read later in the same look), was still unread
   * (found in review). A file read here whose own line crosses the end does the same for the files not yet read;
   * the file whose line asked is not read again (its next lines were written after that line).
   */
  private readOthers(from: string): void {
    const outermost = this.reading.size === 0;
    this.reading.add(from);
    try {
      for (const supervisor of this.files) {
        const source = supervisor.current;
        if (!source || this.reading.has(source.name)) continue;
        this.reading.add(source.name);
        source.drainNow();
      }
    } finally {
      if (outermost) this.reading.clear();
    }
  }

  /**
   * The time given to a line that carries none (what `sshd -E` writes): the wall clock's, but no later than the
   * pending hold's end while readOthers reads the files before a line past that end. A line read then was there
   * before that line was taken; stamped with the wall clock, a colleague's login read there was past the end it had
   * been written before, and the hold banned the colleague all the same.
   */
  private unstampedTime(pipeline: Pipeline): number {
    const now = Date.now();
    return this.reading.size > 0 ? Math.min(now, pipeline.core.nextDeadline() ?? now) : now;
  }

  /** Reads everything the files hold now (tests settle with it). */
  drainFiles(): void {
    for (const supervisor of this.files) supervisor.current?.drainNow();
  }
}
