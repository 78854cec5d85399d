import type { KeySpec } from '../config/key-spec.js';
import { RecencyMap } from './recency-map.js';
import { mad, median, sortNumbers } from './robust-stats.js';
import { durationKey, intKey, numberKey, setting } from './settings.js';
import { MAX_GAPS } from './source-record-layout.js';
import type { SourceState } from './source-state.js';

export const PREDICTABLE_KEYS = {
  minIntervals: {
    ...intKey(
      'predictable_min_intervals',
      4,
      `Intervals between its own connections (probes, attempts) a source must show, kept to one period, before it counts as predictable: synchrony, a shared rhythm and a shared connection lifetime, which an outsider knowing its schedule can impose, then do not count for it. At most ${MAX_GAPS}.`,
      2,
    ),
    max: MAX_GAPS,
  },
  minInterval: durationKey(
    'predictable_min_interval',
    10_000,
    "Shortest period of a predictable source: a faster one is hammering, not keeping a schedule, and would shed its bursts' evidence in seconds. 0: no floor.",
  ),
  tolerance: numberKey(
    'predictable_tolerance',
    0.1,
    'Largest MAD of the intervals between its connections, as a fraction of their median, for a source to be predictable (as loose as rhythm_tolerance, so a source whose rhythm can be copied is covered).',
    { max: 1 },
  ),
  jitter: durationKey(
    'predictable_jitter',
    3_000,
    'MAD of the intervals always accepted whatever the period (the synchrony window: a schedule kept within it is one bursts can be timed on). 0: predictable_tolerance alone decides.',
  ),
  maxSources: intKey(
    'predictable_max_sources',
    1024,
    'Predictable sources remembered apart from the source table, so a flood that evicts their records does not make them new (a full memory admits a newcomer only in place of a source that missed its schedule).',
  ),
} satisfies Record<string, KeySpec<number>>;

/** Visits in a row a remembered source may miss and still be on schedule (a network hiccup, a probe timing out). */
const MISSED = 2;

/** [address, time of its last visit kept to the schedule, period (ms)], least recently seen first. */
export type PredictableSnapshot = Array<[string, number, number]>;

/** A connection's key in the record: sshd's pid, else its remote port (apart from pids), else none (-1). */
const PORT_KEYS = 2 ** 23;
export function connectionKey(pid: number | undefined, port: number | undefined): number {
  if (pid !== undefined) return pid;
  return port === undefined ? -1 : PORT_KEYS + port;
}

/**
 * The key of a probe: a connection of its own whatever its line's pid. A probe is a connection closed before any
 * attempt, and some of them are written by sshd's listener under its own pid (`drop connection #N from [ip]:port
 * ... past MaxStartups`, OpenSSH 9.8's `Timeout before authentication ..., pid = N`): two in a row would share a
 * key, and an attacker saturating MaxStartups at a monitoring probe's times made two of its probes one visit.
 */
export const OWN_CONNECTION = -2;

/** `predictable` of a source keeping a schedule of its own: neither synchrony nor a shared rhythm counts for it. */
export const OWN_SCHEDULE = 1;
/**
 * `predictable` of a source that keeps a schedule but was already in step with bursts of others when it first showed
 * it (a bot of a fleet attacking in waves): synchrony counts for it, and it is not remembered; a shared rhythm still
 * does not count (four addresses keeping its period impose one whatever it does).
 */
export const IN_STEP = 2;

/** Whether a source shows synchrony now (the synchrony signal's own test, predictability aside). */
export type InStep = (source: SourceState, now: number) => boolean;

/**
 * Which sources keep a schedule of their own: a monitoring probe connecting every 60 s, a cron job failing a stale
 * password every 5 minutes. Whoever knows such a schedule can impose synchrony on the source (bursts of connections
 * around each of its visits) and give it a shared rhythm (a few addresses keeping its period), without touching the
 * source itself; those two signals do not count for a predictable source (synchrony.ts, rhythm.ts). Everything that
 * decides predictability is the source's own behaviour: the intervals between its visits (connections, so the
 * attempts of one connection are one visit), robustly regular (median and MAD, a missed probe or two ignored) over
 * at least `predictable_min_intervals`, at a period of at least `predictable_min_interval`, and at most one username
 * ever tried (a source walking a dictionary is no cron job, however regular). No other address's events enter it.
 *
 * A flood of new addresses evicts records from the source table, and a monitoring probe's history with them: it
 * would start again from nothing, framable at its second probe. So predictable sources are also remembered here,
 * apart from the table: the period and the last visit. A source whose record holds too few intervals is predictable
 * while it arrives when the memory expects it (one period, within the tolerance, after its last visit, or two or
 * three: a missed probe or two); off schedule it is forgotten and must show its intervals again. Flood addresses never enter (one visit each), and a full memory
 * takes a newcomer only in place of a source that missed its schedule: an attacker cannot flush the incumbents.
 */
export class PredictableSources {
  private readonly p: { [K in keyof typeof PREDICTABLE_KEYS]: number };
  /** Address -> time of its last visit kept to the schedule, least recent first. */
  private readonly seen: RecencyMap;
  /** Address -> its period (ms). */
  private readonly period = new Map<string, number>();
  /** Reused for each judgement (sorted in place). */
  private readonly gaps: number[] = [];

  constructor(
    values: Readonly<Record<string, unknown>>,
    snapshot: PredictableSnapshot = [],
    private readonly inStep: InStep = () => false,
  ) {
    this.p = Object.fromEntries(
      Object.entries(PREDICTABLE_KEYS).map(([name, spec]) => [name, setting(values, spec)]),
    ) as { [K in keyof typeof PREDICTABLE_KEYS]: number };
    // The memory admits no more than its size (remember() makes room), so the map itself never evicts.
    this.seen = new RecencyMap(Number.POSITIVE_INFINITY);
    for (const [ip, time, period] of snapshot) {
      this.seen.touch(ip, time);
      this.period.set(ip, period);
    }
  }

  /**
   * A probe or attempt of `source` at `time` on connection `conn` (connectionKey, OWN_CONNECTION for a probe), after
   * its names were counted: a new visit adds an interval and judges the source again.
   */
  observe(source: SourceState, time: number, conn: number): void {
    const last = source.visit;
    if (last >= 0 && conn !== OWN_CONNECTION && (conn >= 0 ? conn === source.visitConn : time === last)) {
      this.observeNames(source);
      return;
    }
    if (last >= 0) source.addGap(time - last);
    source.visit = time;
    source.visitConn = conn;
    this.judge(source, time);
  }

  /** The source's names changed without a new visit: a second one ends its predictability. */
  observeNames(source: SourceState): void {
    if (source.predictable !== 0 && source.nameCount > 1) this.disown(source);
  }

  private judge(source: SourceState, now: number): void {
    // Disowned when its second name came (observeNames, or a visit judged since): nothing to undo for a third.
    if (source.nameCount > 1) {
      if (source.predictable !== 0) this.disown(source);
      return;
    }
    if (source.gapCount >= this.p.minIntervals) {
      const period = this.regularPeriod(source);
      if (period < 0) this.disown(source);
      else {
        // Bursts it was part of before its schedule showed were not timed on that schedule: they are its own doing,
        // and a fleet in lockstep from its first wave does not shed them by keeping its tempo a few minutes more.
        if (source.predictable === 0) source.predictable = this.inStep(source, now) ? IN_STEP : OWN_SCHEDULE;
        if (source.predictable === OWN_SCHEDULE) this.remember(source.ip, now, period);
      }
      return;
    }
    // Too few intervals of its own (new, or its record was evicted): the memory's word, while it keeps its schedule.
    source.predictable = this.onSchedule(source.ip, now) ? OWN_SCHEDULE : 0;
  }

  /** The median interval when the source's intervals are regular enough to be a schedule, else -1. */
  private regularPeriod(source: SourceState): number {
    const gaps = sortNumbers(source.copyGaps(this.gaps));
    const m = median(gaps);
    if (m < this.p.minInterval) return -1;
    return mad(gaps) <= this.allowed(m) ? m : -1;
  }

  /** How far an interval may stray from the period, and the intervals' MAD go. */
  private allowed(period: number): number {
    return Math.max(this.p.jitter, this.p.tolerance * period);
  }

  /**
   * Whether a remembered source arrives one period after its last visit, or two or three (a probe or two missed, as
   * the median of a record's intervals ignores them); it is forgotten when it does not.
   */
  private onSchedule(ip: string, now: number): boolean {
    const period = this.period.get(ip);
    if (period === undefined) return false;
    const since = now - this.seen.get(ip)!;
    const periods = Math.round(since / period);
    if (periods < 1 || periods > MISSED + 1 || Math.abs(since - periods * period) > this.allowed(period)) {
      this.forget(ip);
      return false;
    }
    this.seen.touch(ip, now);
    return true;
  }

  private remember(ip: string, now: number, period: number): void {
    if (!this.seen.has(ip) && this.seen.size >= this.p.maxSources && !this.makeRoom(now)) return;
    this.seen.touch(ip, now);
    this.period.set(ip, period);
  }

  /** Drops the least recently seen source if it has missed its schedule; false when every one keeps it. */
  private makeRoom(now: number): boolean {
    const [ip, last] = this.seen.first()!;
    const period = this.period.get(ip)!;
    if (now - last <= period + this.allowed(period)) return false;
    this.forget(ip);
    return true;
  }

  private disown(source: SourceState): void {
    source.predictable = 0;
    this.forget(source.ip);
  }

  private forget(ip: string): void {
    this.seen.delete(ip);
    this.period.delete(ip);
  }

  /** Whether `ip` is remembered as predictable (tests; the status shows only how many, size). */
  remembers(ip: string): boolean {
    return this.seen.has(ip);
  }

  get size(): number {
    return this.seen.size;
  }

  snapshot(): PredictableSnapshot {
    return this.seen.entries().map(([ip, time]) => [ip, time, this.period.get(ip)!]);
  }
}
