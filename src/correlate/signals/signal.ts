import type { Fail2banThresholds } from '../../core/fail2ban-thresholds.js';
import type { AsnBlocks } from '../asn-blocks.js';
import type { BlockKey } from '../ip-prefix.js';
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
 * A set of signals as bits (bit i: SIGNALS[i]): what a campaign match yields for every judged source and campaign,
 * so without an array each time.
 */
export type SignalMask = number;

export function signalBit(name: SignalName): SignalMask {
  return BITS.get(name) ?? 1 << SIGNALS.indexOf(name);
}

/** Each signal's bit, looked up: the book asks it for every fingerprint signal of every judged source and member. */
const BITS = new Map<string, SignalMask>(SIGNALS.map((name, i) => [name, 1 << i]));

/** Signals in the mask. */
export function maskSize(mask: SignalMask): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

const maskTexts = new Map<SignalMask, string>();

/** The mask's signals in SIGNALS order joined by `+` (the form verdicts show); computed once per mask. */
export function maskText(mask: SignalMask): string {
  let text = maskTexts.get(mask);
  if (text === undefined) {
    text = SIGNALS.filter((_, i) => (mask & (1 << i)) !== 0).join('+');
    maskTexts.set(mask, text);
  }
  return text;
}

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
  prefixHasSuccess(prefix: BlockKey, now: number): boolean;
  /** The addresses' autonomous systems, when an ASN database was given. */
  readonly asnBlocks?: AsnBlocks;
}

/** A signal that holds a shared index. `test` is a pure read; observing is done by signal-specific methods. */
export interface Signal {
  readonly name: SignalName;
  /** The signal's parameter for this source at `now`, or null when the source does not show it. */
  test(source: SourceState, now: number): string | null;
  snapshot(): unknown;
  /**
   * snapshot() as JSON text in pieces, for a signal whose snapshot is large (a block or name per key of its 20,000):
   * the state file is written without that snapshot's objects in memory (SignalSet.snapshotJson).
   */
  snapshotJson?(): Iterable<string>;
}
