/** ClockQueue.pop's `lastUse` answer for a key that must not be evicted yet (a source whose ban is held). */
export const KEEP = Number.POSITIVE_INFINITY;

/**
 * An eviction queue for "least recently used" without reordering on every touch. A Map used as an LRU list
 * (delete + set on each touch, evict from the front) leaves deleted slots at the front that every eviction walks
 * over: O(n) per eviction under a flood. Here each key is queued once with the time it was queued; at eviction
 * the head is dropped only if it was not used since, otherwise it is queued again with its newer time (a second
 * chance). Amortised O(1) per touch and per eviction.
 */
export class ClockQueue<K = string> {
  private keys: K[] = [];
  private stamps: number[] = [];
  private head = 0;
  /** The latest stamp queued: where a kept key goes (KEEP). */
  private newest = Number.NEGATIVE_INFINITY;

  push(key: K, stamp: number): void {
    this.keys.push(key);
    this.stamps.push(stamp);
    if (stamp > this.newest) this.newest = stamp;
  }

  /**
   * The oldest key not used since it was queued, removed from the queue; `lastUse(key)` gives its latest use
   * (undefined when it is gone already), or KEEP for a key that must not go yet. Stops and returns undefined when
   * the head was used at or after `before`, or when every key queued is kept.
   */
  pop(lastUse: (key: K) => number | undefined, before = Number.POSITIVE_INFINITY): K | undefined {
    let kept = 0;
    while (this.head < this.keys.length) {
      const key = this.keys[this.head]!;
      const stamp = this.stamps[this.head]!;
      // The queue is in stamp order and a key's last use is never before its stamp, so nothing from here on can be
      // due: stop before looking the key up (this runs for every event, and is almost always the answer).
      if (stamp >= before) return undefined;
      const last = lastUse(key);
      if (last === undefined) {
        this.advance();
        continue;
      }
      if (last === KEEP) {
        this.advance();
        // Queued again as if used last, so the queue stays in stamp order; a full round of kept keys ends the search.
        this.push(key, this.newest);
        if (++kept > this.keys.length - this.head) return undefined;
        continue;
      }
      if (last > stamp) {
        this.advance();
        this.push(key, last);
        continue;
      }
      this.advance();
      return key;
    }
    return undefined;
  }

  private advance(): void {
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Keys in queue order with their stamps, one at a time rather than as a list: the state file is written from this
   * while a flood's 100,000 sources are queued (as a list of pairs, ~9 MB of heap held through the save). The queue
   * must not change meanwhile.
   */
  *walk(): Generator<[K, number]> {
    for (let i = this.head; i < this.keys.length; i++) yield [this.keys[i]!, this.stamps[i]!];
  }
}
