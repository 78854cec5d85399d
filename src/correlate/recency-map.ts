/**
 * Key -> time of its latest touch, holding the `max` keys touched most recently, oldest first: what a Map kept in
 * recency order (delete + set on each touch, evict its first key) gives, without its cost. V8 leaves a deleted Map
 * slot in place until it rehashes, so finding a Map's first key walks every slot deleted before it; with a touch per
 * failed attempt (recent sources) or per ban (a campaign's members) that walk was a large share of the detector's
 * time on the replay bench. Here each touch is appended to a queue, and the map holds the queue position of the
 * key's latest touch, so older entries of the key are recognised as stale; touch, eviction and iteration are
 * amortised O(1). The map's values are small integers, updated in place: no object per key.
 */
export class RecencyMap<K = string> {
  /** Key -> index in `keys` of its latest touch. */
  private readonly latest = new Map<K, number>();
  private keys: K[] = [];
  private times: number[] = [];
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
    this.latest.set(key, this.keys.length);
    this.keys.push(key);
    this.times.push(time);
    while (this.latest.size > this.max) this.evictOldest();
    // Spent entries before head, and stale ones (keys touched again) between head and tail, pile up: drop both once
    // they outnumber the live ones, so the queue stays within a few times the live count.
    if (this.keys.length > 2 * this.latest.size + 64) this.compact();
  }

  get(key: K): number | undefined {
    const at = this.latest.get(key);
    return at === undefined ? undefined : this.times[at];
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

  /** Key and time of its latest touch, least recent first (plain JSON: what a snapshot keeps). */
  entries(): Array<[K, number]> {
    const out: Array<[K, number]> = [];
    for (let i = this.head; i < this.keys.length; i++) {
      if (this.latest.get(this.keys[i]!) === i) out.push([this.keys[i]!, this.times[i]!]);
    }
    return out;
  }

  /** The least recently touched key and the time of its touch, or undefined when empty. */
  first(): [K, number] | undefined {
    // Entries passed here are spent or stale whatever comes next: skipping them for good is what evictOldest does.
    while (this.head < this.keys.length) {
      const key = this.keys[this.head]!;
      if (this.latest.get(key) === this.head) return [key, this.times[this.head]!];
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
      if (this.latest.get(this.keys[i]!) === i) {
        this.latest.delete(this.keys[i]!);
        return;
      }
    }
  }

  /** Keeps the live entries only; their positions change, so the map learns the new ones. */
  private compact(): void {
    const keys: K[] = [];
    const times: number[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (this.latest.get(key) !== i) continue;
      this.latest.set(key, keys.length);
      keys.push(key);
      times.push(this.times[i]!);
    }
    this.keys = keys;
    this.times = times;
    this.head = 0;
  }
}
