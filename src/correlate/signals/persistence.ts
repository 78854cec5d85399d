import type { KeySpec } from '../../config/key-spec.js';
import { durationKey, HOUR, intKey, MINUTE, setting } from '../settings.js';
import { type IndexSnapshot, SharedIndex } from '../shared-index.js';
import type { SourceState } from '../source-state.js';
import { NONE, type Signal, type SignalEnv } from './signal.js';

export const PERSISTENCE_KEYS = {
  minWindows: intKey(
    'persistence_min_windows',
    3,
    'fail2ban findtime windows (fixed, back to back) in which a source must have failed, each time staying under maxretry, to count as persistent.',
  ),
  minSources: intKey(
    'persistence_min_sources',
    5,
    'Persistent sources needed at once for persistence to be a shared signal.',
  ),
  window: durationKey(
    'persistence_window',
    6 * HOUR,
    'How long a persistent source counts after its last attempt.',
    MINUTE,
  ),
} satisfies Record<string, KeySpec<number>>;

/**
 * Per-source behaviour over hours, judged against fail2ban's own thresholds: a source that fails in several findtime
 * windows but never reaches maxretry in one is pacing itself to stay under fail2ban, which a person mistyping does
 * not do. Shared when many sources do it at once (a fleet-wide slow burn).
 */
export class PersistenceSignal implements Signal {
  readonly name = 'persistence';
  private readonly minWindows: number;
  private readonly minSources: number;
  private readonly index: SharedIndex;

  constructor(
    values: Readonly<Record<string, unknown>>,
    private readonly env: SignalEnv,
    snapshot?: IndexSnapshot,
  ) {
    this.minWindows = setting(values, PERSISTENCE_KEYS.minWindows);
    this.minSources = setting(values, PERSISTENCE_KEYS.minSources);
    this.index = new SharedIndex(
      setting(values, PERSISTENCE_KEYS.window),
      1,
      Math.max(16, 2 * this.minSources),
      snapshot,
    );
  }

  /**
   * Counts `failures` at `time` as fail2ban counts them (fail2ban-count.ts: an unknown-user try is two); returns the
   * sources to re-judge when persistence just became shared.
   */
  observe(source: SourceState, time: number, failures: number): readonly string[] {
    const win = Math.floor(time / this.env.thresholds.findtime);
    if (win !== source.win) {
      source.win = win;
      source.winCount = 0;
      source.windows++;
    }
    source.winCount += failures;
    if (source.winCount > source.winMax) source.winMax = source.winCount;
    if (!this.isPersistent(source)) return NONE;
    const n = this.index.add('p', source.ip, time);
    return n === this.minSources ? this.index.sources('p', time) : NONE;
  }

  /** Several windows with failures, never fail2ban's maxretry in one of them. */
  isPersistent(source: SourceState): boolean {
    return source.windows >= this.minWindows && source.winMax < this.env.thresholds.maxretry;
  }

  test(source: SourceState, now: number): string | null {
    if (!this.isPersistent(source) || source.last < now - this.index.window) return null;
    return this.index.count('p', now, this.minSources) >= this.minSources ? '' : null;
  }

  forget(ip: string): void {
    this.index.remove('p', ip);
  }

  snapshot(): IndexSnapshot {
    return this.index.snapshot();
  }
}
