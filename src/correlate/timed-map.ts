import { ClockQueue } from './clock-queue.js';

/**
 * Key -> latest time, holding at most `max` keys and dropping stale ones first: the oldest queued key not stamped
 * since (a second-chance clock, so close to least recently stamped, not exactly). Not a Map kept in
 * recency order (delete + set on each stamp, evict its first key): V8 leaves deleted slots at the front of a Map
 * until it rehashes, and finding the first key walks all of them, which on the 1M-line replay bench made banning
 * (a campaign's members, re-stamped at every re-ban) a quarter of the detector's time. The ClockQueue evicts in
 * amortised O(1).
 */
export class TimedMap {
  private readonly map = new Map<string, number>();
  private readonly queue = new ClockQueue();
  private readonly lastUse = (key: string): number | undefined => this.map.get(key);

  constructor(
    private readonly max: number,
    entries: Iterable<[string, number]> = [],
  ) {
    for (const [key, time] of canonical([...entries])) this.set(key, time);
  }

  get(key: string): number | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Stamps `key` with `time` (times only move forward for a key), evicting the stalest key beyond `max`. */
  set(key: string, time: number): void {
    const known = this.map.get(key);
    if (known === undefined) this.queue.push(key, time);
    if (known === undefined || time > known) this.map.set(key, time);
    if (this.map.size > this.max) {
      const stale = this.queue.pop(this.lastUse);
      if (stale !== undefined) this.map.delete(stale);
    }
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  /**
   * Plain JSON for a snapshot, oldest first (ties by key): one order whatever the history, so a restored map
   * snapshots the same as the one it came from, and then evicts in the order of the times.
   */
  entries(): Array<[string, number]> {
    return canonical([...this.map]);
  }
}

function canonical(list: Array<[string, number]>): Array<[string, number]> {
  return list.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
