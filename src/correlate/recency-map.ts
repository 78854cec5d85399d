interface Stamp {
  seq: number;
  time: number;
}

/**
 * Key -> time of its latest touch, holding the `max` keys touched most recently, oldest first: what a Map kept in
 * recency order (delete + set on each touch, evict its first key) gives, without its cost. V8 leaves a deleted Map
 * slot in place until it rehashes, so finding a Map's first key walks every slot deleted before it; with a touch per
 * failed attempt (recent sources) or per ban (a campaign's members) that walk was a large share of the detector's
 * time on the replay bench. Here touches are appended to a queue and a key's older queue entries are recognised as
 * stale by a sequence number, so touch, eviction and iteration are amortised O(1).
 */
export class RecencyMap {
  private readonly latest = new Map<string, Stamp>();
  private keys: string[] = [];
  private seqs: number[] = [];
  private head = 0;
  private seq = 0;

  constructor(
    private readonly max: number,
    entries: Iterable<readonly [string, number]> = [],
  ) {
    for (const [key, time] of entries) this.touch(key, time);
  }

  /** `key` becomes the most recent, with `time`; the least recent goes beyond `max`. */
  touch(key: string, time: number): void {
    const seq = ++this.seq;
    const stamp = this.latest.get(key);
    if (stamp === undefined) this.latest.set(key, { seq, time });
    else {
      stamp.seq = seq;
      stamp.time = time;
    }
    this.keys.push(key);
    this.seqs.push(seq);
    while (this.latest.size > this.max) this.evictOldest();
    // Entries before head are spent, and stale ones (keys touched again) pile up between head and tail: drop both
    // once they outnumber the live ones, so the queue stays within a few times the live count.
    if (this.keys.length > 2 * this.latest.size + 64) this.compact();
  }

  get(key: string): number | undefined {
    return this.latest.get(key)?.time;
  }

  has(key: string): boolean {
    return this.latest.has(key);
  }

  delete(key: string): void {
    this.latest.delete(key);
  }

  get size(): number {
    return this.latest.size;
  }

  /** Key and time of its latest touch, least recent first (plain JSON: what a snapshot keeps). */
  entries(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (let i = this.head; i < this.keys.length; i++) {
      const stamp = this.latest.get(this.keys[i]!);
      if (stamp !== undefined && stamp.seq === this.seqs[i]) out.push([this.keys[i]!, stamp.time]);
    }
    return out;
  }

  private evictOldest(): void {
    while (this.head < this.keys.length) {
      const i = this.head++;
      if (this.latest.get(this.keys[i]!)?.seq === this.seqs[i]) {
        this.latest.delete(this.keys[i]!);
        return;
      }
    }
  }

  private compact(): void {
    const keys: string[] = [];
    const seqs: number[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      if (this.latest.get(this.keys[i]!)?.seq !== this.seqs[i]) continue;
      keys.push(this.keys[i]!);
      seqs.push(this.seqs[i]!);
    }
    this.keys = keys;
    this.seqs = seqs;
    this.head = 0;
  }
}
