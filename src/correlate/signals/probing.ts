import type { KeySpec } from '../../config/key-spec.js';
import { durationKey, HOUR, intKey, MINUTE, setting } from '../settings.js';
import { type IndexSnapshot, SharedIndex } from '../shared-index.js';
import type { SourceState } from '../source-state.js';
import { NONE, type Signal } from './signal.js';

export const PROBING_KEYS = {
  minProbes: intKey(
    'probing_min_probes',
    2,
    'Connections closed before authentication, with no attempt at all, for a source to be probing.',
  ),
  minSources: intKey('probing_min_sources', 5, 'Probing sources at once for probing to be a shared signal.'),
  window: durationKey('probing_window', HOUR, 'How long a probing source counts after its last probe.', MINUTE),
} satisfies Record<string, KeySpec<number>>;

/**
 * Connect-and-close: sources that open SSH connections and leave before authenticating (banner grabbing, key
 * exchange fingerprinting). One such source is a scanner or a monitoring probe; on its own it never bans.
 */
export class ProbingSignal implements Signal {
  readonly name = 'probing';
  private readonly minProbes: number;
  private readonly minSources: number;
  private readonly index: SharedIndex;

  constructor(values: Readonly<Record<string, unknown>>, snapshot?: IndexSnapshot) {
    this.minProbes = setting(values, PROBING_KEYS.minProbes);
    this.minSources = setting(values, PROBING_KEYS.minSources);
    this.index = new SharedIndex(setting(values, PROBING_KEYS.window), 1, Math.max(16, 2 * this.minSources), snapshot);
  }

  private isProbing(source: SourceState): boolean {
    return source.attempts === 0 && source.probes >= this.minProbes;
  }

  observe(source: SourceState, time: number): readonly string[] {
    if (!this.isProbing(source)) return NONE;
    const n = this.index.add('p', source.ip, time);
    return n === this.minSources ? this.index.sources('p', time) : NONE;
  }

  test(source: SourceState, now: number): string | null {
    if (!this.isProbing(source) || source.last < now - this.index.window) return null;
    return this.index.count('p', now, this.minSources) >= this.minSources ? '' : null;
  }

  forget(ip: string): void {
    this.index.remove('p', ip);
  }

  snapshot(): IndexSnapshot {
    return this.index.snapshot();
  }
}
