import { newSource, type SourceState } from './source-state.js';

/**
 * Per-source state, least recently seen first (a Map re-inserted on every touch is an LRU list). Sources idle for
 * longer than `ttl` are evicted a few at a time on each event, and the table never holds more than `max` entries:
 * a flood of a million addresses costs at most `max` x bytes-per-source.
 */
export class SourceTable {
  private readonly map = new Map<string, SourceState>();
  evicted = 0;

  constructor(
    private readonly ttl: number,
    private readonly max: number,
    snapshot?: readonly SourceState[],
  ) {
    for (const s of snapshot ?? []) this.map.set(s.ip, s);
  }

  get(ip: string): SourceState | undefined {
    return this.map.get(ip);
  }

  /** The state of `ip`, created if new, moved to the most-recent end. */
  touch(ip: string, time: number): SourceState {
    let state = this.map.get(ip);
    if (state) this.map.delete(ip);
    else state = newSource(ip, time);
    this.map.set(ip, state);
    if (this.map.size > this.max) this.evictOne();
    return state;
  }

  /** Drops sources idle since before `now - ttl`; at most `budget` per call so one event never stalls. */
  expire(now: number, budget = 8): void {
    const cutoff = now - this.ttl;
    for (const state of this.map.values()) {
      if (budget-- <= 0 || state.last >= cutoff) return;
      this.evictOne();
    }
  }

  private evictOne(): void {
    const oldest = this.map.keys().next().value;
    if (oldest === undefined) return;
    this.map.delete(oldest);
    this.evicted++;
  }

  get size(): number {
    return this.map.size;
  }

  snapshot(): SourceState[] {
    return [...this.map.values()].map((s) => ({ ...s, times: [...s.times], names: [...s.names] }));
  }
}
