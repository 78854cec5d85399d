import type { Fail2banThresholds } from '../../core/fail2ban-thresholds.js';
import type { SourceState } from '../source-state.js';

/** What observe() returns when no source needs judging again (shared, never mutated: no allocation per event). */
export const NONE: readonly string[] = Object.freeze([]);

/** The signal families, in the order verdicts list them. */
export const SIGNALS = [
  'rhythm',
  'dictionary',
  'ordered',
  'persistence',
  'locality',
  'synchrony',
  'lifetime',
  'probing',
  'surge',
] as const;
export type SignalName = (typeof SIGNALS)[number];

/**
 * What a source shows now: each present signal with its parameter ('' when it has none; a rhythm or lifetime
 * bucket, a prefix). Families absent are absent.
 */
export type Evidence = Map<SignalName, string>;

/** What the signals may ask of the rest of the detector; all reads. */
export interface SignalEnv {
  readonly thresholds: Fail2banThresholds;
  source(ip: string): SourceState | undefined;
  /** Whether any address of `prefix` logged in successfully within the success memory. */
  prefixHasSuccess(prefix: string, now: number): boolean;
}

/** A signal that holds a shared index. `test` is a pure read; observing is done by signal-specific methods. */
export interface Signal {
  readonly name: SignalName;
  /** The signal's parameter for this source at `now`, or null when the source does not show it. */
  test(source: SourceState, now: number): string | null;
  snapshot(): unknown;
}
