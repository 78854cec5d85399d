import type { KeySpec } from '../../config/key-spec.js';
import { durationKey, HOUR, intKey, MINUTE, setting } from '../settings.js';
import { type IndexSnapshot, SharedIndex } from '../shared-index.js';
import type { SourceState } from '../source-state.js';
import { NONE, type Signal } from './signal.js';

export const ORDERED_KEYS = {
  minNames: intKey(
    'ordered_min_names',
    3,
    'Distinct usernames a source must have tried in ascending alphabetical order.',
    2,
  ),
  minSources: intKey('ordered_min_sources', 3, 'Sources walking names in order at once for it to be a shared signal.'),
  window: durationKey('ordered_window', 6 * HOUR, 'How long an ordered source counts after its last attempt.', MINUTE),
} satisfies Record<string, KeySpec<number>>;

/**
 * An ordered dictionary walk: each source's successive names ascend alphabetically (admin, backup, oracle...), as
 * when a fleet splits one sorted wordlist ("Hail Mary" campaigns). People try one name, or their own few names.
 */
export class OrderedNamesSignal implements Signal {
  readonly name = 'ordered';
  private readonly minNames: number;
  private readonly minSources: number;
  private readonly index: SharedIndex;

  constructor(values: Readonly<Record<string, unknown>>, snapshot?: IndexSnapshot) {
    this.minNames = setting(values, ORDERED_KEYS.minNames);
    this.minSources = setting(values, ORDERED_KEYS.minSources);
    this.index = new SharedIndex(setting(values, ORDERED_KEYS.window), 1, Math.max(16, 2 * this.minSources), snapshot);
  }

  /** Call when the source tried a name it had not tried before (order key of that name). */
  observe(source: SourceState, orderKey: number, time: number): readonly string[] {
    source.ascRun = orderKey >= source.orderKey && source.orderKey >= 0 ? source.ascRun + 1 : 1;
    source.orderKey = orderKey;
    if (source.ascRun < this.minNames) return NONE;
    const n = this.index.add('o', source.ip, time);
    return n === this.minSources ? this.index.sources('o', time) : NONE;
  }

  test(source: SourceState, now: number): string | null {
    if (source.ascRun < this.minNames || source.last < now - this.index.window) return null;
    return this.index.count('o', now, this.minSources) >= this.minSources ? '' : null;
  }

  forget(ip: string): void {
    this.index.remove('o', ip);
  }

  snapshot(): IndexSnapshot {
    return this.index.snapshot();
  }
}
