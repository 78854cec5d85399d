/**
 * Key -> time of its latest touch, holding the `max` keys touched most recently, oldest first: what a Map kept in
 * recency order (delete + set on each touch, evict its first key) gives, without its cost. V8 leaves a deleted Map
 * slot in place until it rehashes, so finding a Map's first key walks every slot deleted before it; with a touch per
 * failed attempt (recent sources) or per ban (a campaign's members) that walk was a large share of the detector's
 * time on the replay bench. Here each touch is appended to a queue, and the map holds the queue position of the
 * key's latest touch, so older entries of the key are recognised as stale; touch, eviction and iteration are
 * amortised O(1). The map's values are small integers, updated in place: no object per key. Positions count every
 * touch since the last renumbering, so dropping the spent entries at the front moves no key's position: only a queue
 * thick with stale entries (keys touched again, or deleted) is renumbered, which rewrites the map.
 */
export class RecencyMap<K = string> {
  /** Key -> position of its latest touch: its entry is `keys[position - base]`. */
  private readonly latest = new Map<K, number>();
  private keys: K[] = [];
  private times: number[] = [];
  /** The position of `keys[0]`. */
  private base = 0;
  /** Entries before `head` are spent (evicted, or stale when they were passed). */
  private head = 0;

  constructor(
    private readonly max: number,
    entries: Iterable<readonly [K, number]> = [],
  ) {
    for (const [key, time] of entries) this.touch(key, time);
  }

  /** `key` becomes the most recent, with `time`; the least recent goes beyond `max`. */
  touch(key: K, time: number): void {
    const last = this.keys.length - 1;
    // The most recent key touched again (the lines of one connection): its entry stays last, with the new time.
    if (last >= 0 && this.keys[last] === key && this.latest.get(key) === this.base + last) {
      this.times[last] = time;
      return;
    }
    this.latest.set(key, this.base + this.keys.length);
    this.keys.push(key);
    this.times.push(time);
    while (this.latest.size > this.max) this.evictOldest();
    // Spent entries before head, and stale ones (keys touched again) between head and tail, pile up: drop both once
    // they outnumber the live ones, so the queue stays within a few times the live count.
    if (this.keys.length > 2 * this.latest.size + 64) this.compact();
  }

  get(key: K): number | undefined {
    const at = this.latest.get(key);
    return at === undefined ? undefined : this.times[at - this.base];
  }

  has(key: K): boolean {
    return this.latest.has(key);
  }

  delete(key: K): void {
    this.latest.delete(key);
  }

  get size(): number {
    return this.latest.size;
  }

  /** Whether entry `i` of the queue is its key's latest touch. */
  private live(i: number): boolean {
    return this.latest.get(this.keys[i]!) === this.base + i;
  }

  /** Key and time of its latest touch, least recent first (plain JSON: what a snapshot keeps). */
  entries(): Array<[K, number]> {
    const out: Array<[K, number]> = [];
    for (let i = this.head; i < this.keys.length; i++) if (this.live(i)) out.push([this.keys[i]!, this.times[i]!]);
    return out;
  }

  /** The least recently touched key and the time of its touch, or undefined when empty. */
  first(): [K, number] | undefined {
    // Entries passed here are spent or stale whatever comes next: skipping them for good is what evictOldest does.
    while (this.head < this.keys.length) {
      if (this.live(this.head)) return [this.keys[this.head]!, this.times[this.head]!];
      this.head++;
    }
    return undefined;
  }

  /** Forgets the least recently touched key (none when empty). */
  shift(): void {
    this.evictOldest();
  }

  private evictOldest(): void {
    while (this.head < this.keys.length) {
      const i = this.head++;
      if (this.live(i)) {
        this.latest.delete(this.keys[i]!);
        return;
      }
    }
  }

  /**
   * Drops the spent entries; when stale ones still outnumber the live (keys touched again or deleted, not passed
   * yet), keeps the live entries only, renumbered from 0, so the map learns each key's new position. A queue whose
   * keys are each touched once (a campaign's members, a flood of new sources) is only ever cut at the front.
   */
  private compact(): void {
    const live = this.latest.size;
    if (this.keys.length - this.head <= live + (live >> 1) + 32 && this.base < 2 ** 30) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.base += this.head;
      this.head = 0;
      return;
    }
    const keys: K[] = [];
    const times: number[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      if (!this.live(i)) continue;
      this.latest.set(this.keys[i]!, keys.length);
      keys.push(this.keys[i]!);
      times.push(this.times[i]!);
    }
    this.keys = keys;
    this.times = times;
    this.base = 0;
    this.head = 0;
  }
}
