/**
 * The `max` keys touched most recently, oldest first, each with the time of its latest touch: what a Map kept in
 * recency order (delete + set on each touch, evict its first key) gives, without its cost. V8 leaves a deleted
 * Map slot in place until it rehashes, so finding the first key walks every slot deleted before it; with one touch
 * per failed attempt that walk was paid on nearly every event. Here touches are appended to a queue and a key's
 * older entries are recognised as stale by a sequence number, so touch, eviction and iteration are amortised O(1).
 */
export class RecencyList {
  private readonly latest = new Map<string, number>();
  private keys: string[] = [];
  private times: number[] = [];
  private seqs: number[] = [];
  private head = 0;
  private seq = 0;

  constructor(
    private readonly max: number,
    entries: Iterable<readonly [string, number]> = [],
  ) {
    for (const [key, time] of entries) this.touch(key, time);
  }

  touch(key: string, time: number): void {
    const seq = ++this.seq;
    this.latest.set(key, seq);
    this.keys.push(key);
    this.times.push(time);
    this.seqs.push(seq);
    while (this.latest.size > this.max) this.evictOldest();
    // Stale entries of keys touched again pile up between head and tail: drop them once they outnumber the live.
    if (this.keys.length - this.head > 2 * this.max + 64) this.compact();
  }

  get size(): number {
    return this.latest.size;
  }

  /** Key and time of its latest touch, oldest first. */
  entries(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (let i = this.head; i < this.keys.length; i++) {
      if (this.latest.get(this.keys[i]!) === this.seqs[i]) out.push([this.keys[i]!, this.times[i]!]);
    }
    return out;
  }

  private evictOldest(): void {
    while (this.head < this.keys.length) {
      const i = this.head++;
      if (this.latest.get(this.keys[i]!) === this.seqs[i]) {
        this.latest.delete(this.keys[i]!);
        return;
      }
    }
  }

  private compact(): void {
    const keys: string[] = [];
    const times: number[] = [];
    const seqs: number[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      if (this.latest.get(this.keys[i]!) !== this.seqs[i]) continue;
      keys.push(this.keys[i]!);
      times.push(this.times[i]!);
      seqs.push(this.seqs[i]!);
    }
    this.keys = keys;
    this.times = times;
    this.seqs = seqs;
    this.head = 0;
  }
}
