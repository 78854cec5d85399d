import type { KeySpec } from '../../config/key-spec.js';
import { durationKey, HOUR, MINUTE, numberKey, setting } from '../settings.js';
import type { SourceState } from '../source-state.js';
import type { Signal } from './signal.js';

export const SURGE_KEYS = {
  k: numberKey(
    'surge_k',
    0.5,
    'CUSUM reference value, in standard deviations above the baseline: the smallest rise worth detecting is 2k.',
  ),
  h: numberKey(
    'surge_h',
    8,
    'CUSUM decision threshold, in standard deviations. With k = 0.5, h = 8 gives an average run of about 19,000 quiet minutes (13 days) between false alarms. Above 0: at 0 the alarm is on at least every other minute whatever the rate, and the baseline, frozen while it is on, stops learning.',
    { above: 0 },
  ),
  baseline: durationKey(
    'surge_baseline',
    6 * HOUR,
    "Time constant of the learned baseline (failing sources per minute); frozen while an alarm is on. At least 1m, the baseline's step: a shorter one would be read as 1m.",
    MINUTE,
  ),
  warmup: durationKey(
    'surge_warmup',
    HOUR,
    'Minutes of baseline learned before the CUSUM runs (it stays at 0 until then): no alarm is possible sooner. 0: it runs from the first minute, against a baseline of nothing yet.',
  ),
  minRate: numberKey(
    'surge_min_rate',
    1,
    'Floor of the baseline variance, in failing sources per minute, so a quiet server does not alarm on two scanners in one minute. Above 0: at 0 a baseline of 0 divides by zero and the CUSUM is lost for good.',
    { above: 0 },
  ),
} satisfies Record<string, KeySpec<number>>;

export interface SurgeSnapshot {
  readonly minute: number;
  readonly count: number;
  readonly mu: number;
  readonly s: number;
  readonly since: number;
  readonly alarms: number;
  readonly learned: number;
}

/** Minutes of silence processed one by one after a gap; beyond this the baseline simply decays in one step. */
const MAX_CATCH_UP = 24 * 60;

/**
 * Site-wide change detection: a one-sided CUSUM on the number of distinct failing sources per minute that have no
 * success history (Poisson baseline learned with an exponential average). It does not single anyone out; it brackets
 * a campaign in time, and lets a shared dictionary alone make candidates while the alarm is on (a campaign of
 * one-try addresses shows as nothing else).
 */
export class SurgeSignal implements Signal {
  readonly name = 'surge';
  private readonly p: { k: number; h: number; alpha: number; minRate: number; warmup: number };
  /** Minutes learned so far: the baseline is their plain average until 1/alpha of them. */
  private learned: number;
  private minute: number;
  private count: number;
  private mu: number;
  private s: number;
  /** Minute the current alarm started, -1 when off. */
  private since: number;
  alarms: number;

  constructor(values: Readonly<Record<string, unknown>>, snapshot?: SurgeSnapshot) {
    this.p = {
      k: setting(values, SURGE_KEYS.k),
      h: setting(values, SURGE_KEYS.h),
      alpha: Math.min(1, MINUTE / Math.max(MINUTE, setting(values, SURGE_KEYS.baseline))),
      minRate: setting(values, SURGE_KEYS.minRate),
      warmup: Math.round(setting(values, SURGE_KEYS.warmup) / MINUTE),
    };
    this.learned = snapshot?.learned ?? 0;
    this.minute = snapshot?.minute ?? -1;
    this.count = snapshot?.count ?? 0;
    this.mu = snapshot?.mu ?? 0;
    this.s = snapshot?.s ?? 0;
    this.since = snapshot?.since ?? -1;
    this.alarms = snapshot?.alarms ?? 0;
  }

  /** Lets time pass up to `now`, closing finished minutes; true when an alarm started. */
  roll(now: number): boolean {
    const before = this.alarms;
    const target = Math.floor(now / MINUTE);
    if (this.minute < 0) this.minute = target;
    if (target - this.minute > MAX_CATCH_UP) {
      this.close();
      this.mu *= (1 - this.p.alpha) ** (target - this.minute);
      this.s = 0;
      this.since = -1;
      this.minute = target;
    }
    while (this.minute < target) this.close();
    return this.alarms !== before;
  }

  private close(): void {
    const x = this.count;
    const sigma = Math.sqrt(Math.max(this.mu, this.p.minRate));
    const warming = this.learned < this.p.warmup;
    this.s = warming ? 0 : Math.min(2 * this.p.h, Math.max(0, this.s + (x - this.mu) / sigma - this.p.k));
    if (this.since < 0 && this.s >= this.p.h) {
      this.since = this.minute;
      this.alarms++;
    } else if (this.since >= 0 && this.s === 0) {
      this.since = -1;
    }
    if (this.since < 0 && this.s < this.p.h / 2) {
      this.learned++;
      this.mu += (x - this.mu) * Math.max(this.p.alpha, 1 / this.learned);
    }
    this.count = 0;
    this.minute++;
  }

  /** One failure from a source with no success history (each source counts once per minute). */
  observe(source: SourceState, time: number): void {
    this.roll(time);
    const minute = Math.floor(time / MINUTE);
    if (source.surgeMinute === minute) return;
    source.surgeMinute = minute;
    this.count++;
  }

  get active(): boolean {
    return this.since >= 0;
  }

  /** Start of the current alarm (ms), or -1. */
  get start(): number {
    return this.since < 0 ? -1 : this.since * MINUTE;
  }

  test(): string | null {
    return this.active ? '' : null;
  }

  status(): { active: boolean; since: string | null; baselinePerMinute: number; cusum: number; alarms: number } {
    return {
      active: this.active,
      since: this.active ? new Date(this.start).toISOString() : null,
      baselinePerMinute: Math.round(this.mu * 1000) / 1000,
      cusum: Math.round(this.s * 100) / 100,
      alarms: this.alarms,
    };
  }

  snapshot(): SurgeSnapshot {
    return {
      minute: this.minute,
      count: this.count,
      mu: this.mu,
      s: this.s,
      since: this.since,
      alarms: this.alarms,
      learned: this.learned,
    };
  }
}
