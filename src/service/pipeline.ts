import type { AuthEvent } from '../core/auth-event.js';
import type { CorrelationCore } from '../core/correlation-core.js';
import type { SocketSample } from '../core/socket.js';
import type { Verdict } from '../core/verdict.js';
import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';
import type { VerdictDedupe } from './verdict-dedupe.js';
import type { VerdictWriter } from './verdict-writer.js';

/**
 * How far past the wall clock a line's own time may be before it is taken as now. The core's clock never goes
 * back, so one line stamped a year ahead (a date set wrong when it was written, then corrected) made every later
 * line look a year old: state expired at once, and a campaign under way went unbanned (found in review). A day, not
 * less: lines a little ahead are honoured as written (the live tests stamp a whole attack up to an hour ahead and
 * append it at once, so that the wall clock never ends the campaign while its lines are being read).
 */
const FUTURE_SLACK_MS = 24 * 60 * 60_000;
/** The warning about such lines is repeated at most this often. */
const FUTURE_WARN_EVERY_MS = 60 * 60_000;
/**
 * Socket samples waiting for the core's clock at most (an hour at sample_interval_campaign's 5 s); beyond, the oldest
 * is given at once, no later than the core's next deadline (giveOldestSample).
 */
const MAX_WAITING_SAMPLES = 720;

/**
 * Live events in, verdict lines out: the same core as `replay`, fed by the sources, with the verdicts of lines
 * read a second time after a crash dropped (dedupe) and the rest appended by the writer. Everything here is
 * synchronous, so a state snapshot taken between two calls matches the positions of the sources exactly.
 */
export class Pipeline {
  core: CorrelationCore;
  private readonly writer: VerdictWriter;
  private readonly log: Logger;
  dedupe: VerdictDedupe;
  private lastAdvance = 0;
  /**
   * Socket samples not yet given to the core, oldest first. A sample is stamped with the wall clock when it is taken,
   * and the core's clock follows its time: given at once, a sample moved the clock past a held ban's end while the
   * login that would spare the source was still unread (found in review; every 5 s while a campaign runs). Each
   * waits until the lines' own times or advance() reach its time, as replay merges samples with the log's lines.
   */
  private readonly waitingSamples: SocketSample[] = [];
  private futureWarnedAt = Number.NEGATIVE_INFINITY;
  /** Lines whose own time was past the wall clock by more than FUTURE_SLACK_MS, taken as now. */
  fromTheFuture = 0;
  events = 0;
  lines = 0;
  suppressed = 0;
  samples = 0;
  verdicts = 0;
  /**
   * Called with the line's source before a line's own time moves the core past a held ban's end (nextDeadline): the
   * service reads its other followed files to their end first (service-sources.ts), so that a login written in one
   * of them before that end is judged before the hold is.
   */
  beforeDeadline: ((source: string) => void) | null = null;
  /** While beforeDeadline runs: the time of the line that asked (notPastAsker); null otherwise. */
  private askerTime: number | null = null;

  constructor(
    core: CorrelationCore,
    writer: VerdictWriter,
    dedupe: VerdictDedupe,
    log: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.core = core;
    this.writer = writer;
    this.dedupe = dedupe;
    this.log = log;
  }

  /** `source`: the input the line came from (onLine), for beforeDeadline. */
  onEvent(event: AuthEvent | null, source?: string): void {
    this.lines++;
    if (!event) return;
    this.events++;
    const taken = this.notPastAsker(this.notAhead(event));
    const deadline = this.core.nextDeadline();
    if (source !== undefined && this.beforeDeadline && deadline !== undefined && taken.time > deadline) {
      const outer = this.askerTime;
      this.askerTime = outer ?? taken.time;
      try {
        this.beforeDeadline(source);
      } finally {
        this.askerTime = outer;
      }
    }
    this.samplesUntil(taken.time);
    this.emit(this.core.onAuthEvent(taken));
  }

  /**
   * The event, at the time of the line that asked for the other files (beforeDeadline) if its own is later. The
   * asking file is not read again meanwhile (its follower is inside that line), and it may still hold lines written
   * after the asking one but before this one: given its own time, a newer line of a file read to its end ended a
   * later hold whose login the asking file, behind a burst, still held, and the colleague was banned (found in review).
   */
  private notPastAsker(event: AuthEvent): AuthEvent {
    return this.askerTime !== null && event.time > this.askerTime ? { ...event, time: this.askerTime } : event;
  }

  /** The event, at the wall clock's time if its own is too far ahead of it (FUTURE_SLACK_MS). */
  private notAhead(event: AuthEvent): AuthEvent {
    const now = this.clock();
    if (event.time <= now + FUTURE_SLACK_MS) return event;
    this.fromTheFuture++;
    if (now - this.futureWarnedAt >= FUTURE_WARN_EVERY_MS) {
      this.futureWarnedAt = now;
      const said = { event: LOG_EVENTS.lineFromTheFuture, lineTime: new Date(event.time).toISOString() };
      this.log.warn({ ...said, now: new Date(now).toISOString(), sofar: this.fromTheFuture });
    }
    return { ...event, time: now };
  }

  /**
   * One line of a source: parsed and given to the core. A fault in the parser or the core on this line loses this
   * line only (logged as ERROR): thrown back to the source, it would fail the source, and the journal, which resumes
   * at the entry it could not take, would then fail on that same entry for ever.
   */
  onLine(source: string, parse: () => AuthEvent | null): void {
    try {
      this.onEvent(parse(), source);
    } catch (error) {
      this.log.error({ event: LOG_EVENTS.lineFailed, source, err: (error as Error).stack ?? String(error) });
    }
  }

  /** One socket sample: given to the core once its clock reaches the sample's time (waitingSamples). */
  onSample(sample: SocketSample): void {
    this.samples++;
    this.waitingSamples.push(sample);
    if (this.waitingSamples.length > MAX_WAITING_SAMPLES) this.giveOldestSample();
  }

  /**
   * Gives the oldest waiting sample now, for want of room: at its time, but no later than the core's next deadline.
   * Samples pile up while the clock waits at a deadline (a follower far behind, a journal check that keeps failing),
   * and given at its own time the hour-old sample ended the hold whose login was still unread (found in review).
   */
  private giveOldestSample(): void {
    const oldest = this.waitingSamples.shift()!;
    const deadline = this.core.nextDeadline();
    const time = deadline === undefined ? oldest.time : Math.min(oldest.time, deadline);
    this.emit(this.core.onSocketSample(time === oldest.time ? oldest : { ...oldest, time }));
  }

  /** Lets wall-clock time pass in the core (campaigns end, state expires); never backwards. */
  advance(now: number): void {
    this.lastAdvance = Math.max(this.lastAdvance, now);
    this.samplesUntil(this.lastAdvance);
    this.emit(this.core.advance(this.lastAdvance));
  }

  /** Gives the core the waiting samples taken at or before `time`, in order. */
  private samplesUntil(time: number): void {
    const waiting = this.waitingSamples;
    while (waiting.length > 0 && waiting[0]!.time <= time) this.emit(this.core.onSocketSample(waiting.shift()!));
  }

  /** Changes whenever the core's state may have: lines, samples, verdicts. */
  activity(): number {
    return this.lines + this.samples + this.verdicts + this.suppressed;
  }

  /** Whether the core has a campaign open (sampling runs faster then). */
  campaignOpen(): boolean {
    // createCore's status is { detection: { campaigns: [...] } }; a bare detector's is { campaigns: [...] }.
    type Shape = { campaigns?: unknown; detection?: { campaigns?: unknown } } | null;
    const status = this.core.status() as Shape;
    const campaigns = status?.detection?.campaigns ?? status?.campaigns;
    return Array.isArray(campaigns) && campaigns.length > 0;
  }

  /** A suspected break-in is something an operator must act on: ERROR. Lateral movement evidence: WARN. */
  private logAlert(verdict: Verdict, line: string): void {
    const fields = Object.fromEntries(verdict.fields);
    if (fields['kind'] === 'compromise') this.log.error({ event: LOG_EVENTS.compromise, ...fields, line });
    else this.log.warn({ event: LOG_EVENTS.lateralMovement, ...fields, line });
  }

  private emit(verdicts: readonly Verdict[]): void {
    for (const verdict of verdicts) {
      if (this.dedupe.seen(verdict)) {
        this.suppressed++;
        this.log.info({ event: LOG_EVENTS.verdictSuppressed, verb: verdict.verb, fields: verdict.fields.slice(0, 2) });
        continue;
      }
      this.verdicts++;
      // The writer says whether the line went to the file or waits for room (verdict-written, verdict-queued).
      const line = this.writer.write(verdict);
      if (verdict.verb === 'ALERT') this.logAlert(verdict, line);
    }
  }
}
