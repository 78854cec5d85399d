import type { KeySpec } from '../../config/key-spec.js';
import { mad, median, quartileSkew, sortNumbers } from '../robust-stats.js';
import { durationKey, HOUR, intKey, MINUTE, numberKey, setting } from '../settings.js';
import { type IndexSnapshot, NUMBER_KEYS, SharedIndex } from '../shared-index.js';
import type { SourceState } from '../source-state.js';
import { NONE, type Signal } from './signal.js';

export const RHYTHM_KEYS = {
  minAttempts: intKey(
    'rhythm_min_attempts',
    3,
    'Attempts (so attempts - 1 intervals) a source needs before its rhythm is judged.',
    3,
  ),
  minSources: intKey(
    'rhythm_min_sources',
    5,
    'Sources sharing one rhythm (within one bucket either side) for it to be a shared signal.',
  ),
  window: durationKey(
    'rhythm_window',
    HOUR,
    'How long a rhythmic source counts for its bucket after its last attempt.',
    MINUTE,
  ),
  minInterval: durationKey(
    'rhythm_min_interval',
    30_000,
    'Shortest median interval that counts as a rhythm: people retyping a password are faster than this, scripted pacing slower. 0: no floor.',
  ),
  // Below rhythm_min_interval no median is between the two: the signal would be off without a word.
  maxInterval: {
    ...durationKey(
      'rhythm_max_interval',
      6 * HOUR,
      'Longest median interval that counts as a rhythm; not below rhythm_min_interval.',
      1000,
    ),
    notBelow: 'rhythm_min_interval',
  },
  tolerance: numberKey(
    'rhythm_tolerance',
    0.1,
    'Largest MAD of the intervals, as a fraction of their median, for them to be regular.',
    { max: 1 },
  ),
  jitter: durationKey(
    'rhythm_jitter',
    15_000,
    'MAD always accepted whatever the median (network and scheduling jitter). 0: rhythm_tolerance alone decides.',
  ),
  maxSkew: numberKey(
    'rhythm_max_skew',
    0.5,
    'Largest |Bowley quartile skew| of the intervals (judged from 4 intervals on).',
    { max: 1 },
  ),
} satisfies Record<string, KeySpec<number>>;

/** Buckets are 10% wide on a log scale, so 167 s and 180 s are neighbours and 167 s and 300 s are not. */
const LOG_STEP = Math.log(1.1);

export function rhythmBucket(intervalMs: number): number {
  return Math.round(Math.log(intervalMs / 1000) / LOG_STEP);
}

/** The interval (seconds, rounded) a bucket stands for: what the CAMPAIGN line prints. */
export function bucketSeconds(bucket: number): number {
  return Math.round(Math.exp(bucket * LOG_STEP));
}

/**
 * Rhythm: a source whose attempts come at regular intervals (median/MAD, quartile skew), shared by many sources.
 * One periodic source (a cron job, a deploy bot) is normal; many unrelated addresses keeping the same tempo are one
 * scheduler. Humans retrying are fast and irregular; the minimum interval keeps them out.
 */
export class RhythmSignal implements Signal {
  readonly name = 'rhythm';
  private readonly p: { [K in keyof typeof RHYTHM_KEYS]: number };
  private readonly index: SharedIndex<number>;
  private readonly intervals: number[] = [];
  /** The source's attempt times, copied out of its record into one reused array. */
  private readonly times: number[] = [];

  constructor(values: Readonly<Record<string, unknown>>, snapshot?: IndexSnapshot) {
    this.p = Object.fromEntries(Object.entries(RHYTHM_KEYS).map(([name, spec]) => [name, setting(values, spec)])) as {
      [K in keyof typeof RHYTHM_KEYS]: number;
    };
    this.index = new SharedIndex(this.p.window, 4096, Math.max(16, 2 * this.p.minSources), snapshot, {
      keys: NUMBER_KEYS,
    });
  }

  /** The rhythm bucket of a list of attempt times, or -1 when they are too few or not regular. */
  bucketOf(times: readonly number[]): number {
    if (times.length < this.p.minAttempts) return -1;
    // One reused array: this runs for every attempt with a new time.
    const intervals = this.intervals;
    intervals.length = 0;
    for (let i = 1; i < times.length; i++) intervals.push(times[i]! - times[i - 1]!);
    sortNumbers(intervals);
    const m = median(intervals);
    if (m < this.p.minInterval || m > this.p.maxInterval) return -1;
    if (mad(intervals) > Math.max(this.p.jitter, this.p.tolerance * m)) return -1;
    if (intervals.length >= 4 && Math.abs(quartileSkew(intervals)) > this.p.maxSkew) return -1;
    return rhythmBucket(m);
  }

  /** Call after the source's attempt times changed; returns sources to re-judge when its bucket just became shared. */
  observe(source: SourceState, time: number): readonly string[] {
    const bucket = this.bucketOf(source.copyTimes(this.times));
    if (bucket !== source.rhythm && source.rhythm >= 0) this.index.remove(source.rhythm, source.ip);
    source.rhythm = bucket;
    if (bucket < 0) return NONE;
    this.index.add(bucket, source.ip, time);
    if (this.shared(bucket, time, this.p.minSources + 1) !== this.p.minSources) return NONE;
    return [bucket - 1, bucket, bucket + 1].flatMap((b) => this.index.sources(b, time));
  }

  /** Sources in the bucket and its two neighbours, counting no further than `enough`. */
  private shared(bucket: number, now: number, enough: number): number {
    let n = 0;
    for (let b = bucket - 1; b <= bucket + 1 && n < enough; b++) n += this.index.count(b, now, enough - n);
    return n;
  }

  test(source: SourceState, now: number): string | null {
    // A period is anyone's to keep: four addresses keeping the period of a source with a schedule of its own (a
    // cron job: predictable-sources.ts) make its rhythm shared without its doing anything; in step with bursts or not.
    if (source.predictable !== 0) return null;
    if (source.rhythm < 0 || source.last < now - this.p.window) return null;
    return this.shared(source.rhythm, now, this.p.minSources) >= this.p.minSources ? String(source.rhythm) : null;
  }

  forget(source: SourceState): void {
    if (source.rhythm >= 0) this.index.remove(source.rhythm, source.ip);
  }

  snapshot(): IndexSnapshot {
    return this.index.snapshot();
  }
}
