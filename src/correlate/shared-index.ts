import { ClockQueue } from './clock-queue.js';

/**
 * "How many distinct sources share this key lately?" for every signal that looks for a shared trait (a rhythm
 * bucket, a username, a /24, a socket lifetime). Each key keeps its most recent sources, newest last, with the
 * time each was last seen (a few dozen at most: a signal needs a handful of sources to call a trait shared). Keys are
 * capped too, the least recently used dropped first. So memory is bounded by maxKeys x maxPerKey whatever the input,
 * and a question costs at most maxPerKey steps, never a scan of sources.
 *
 * Each key owns a slot: its sources, their times and its hits sit at the slot's place in flat arrays (typed where
 * they are numbers), and a dropped key's slot goes to the next new key. A botnet spread over the internet brings a
 * new /24 with nearly every attempt, so keys come and go all the time: as an object and three arrays each, they were
 * a large part of the detector's garbage.
 */
export type IndexSnapshot = Array<[string, Array<[string, number]>, number, number[]?]>;

/**
 * How an index's keys are written in a snapshot. Keys that are numbers (a name hash, a bucket, an IPv4 block) are
 * looked up as numbers, which costs a map less than text does, and written as text so snapshots stay as they were.
 */
export interface KeyCodec<K> {
  format(key: K): string;
  parse(text: string): K;
}

const TEXT: KeyCodec<string> = { format: (key) => key, parse: (text) => text };
/** Keys that are integers. */
export const NUMBER_KEYS: KeyCodec<number> = { format: String, parse: Number };

export interface IndexOptions<K> {
  /** Hits kept per key (see `hasHits`); 0 (the default) when the signal does not use them. */
  readonly hitCap?: number;
  /** Required when keys are not text. */
  readonly keys?: KeyCodec<K>;
}

export class SharedIndex<K extends string | number = string> {
  /** Key -> its slot. */
  private readonly slots = new Map<K, number>();
  private readonly queue = new ClockQueue<K>();
  private readonly lastUse = (key: K): number | undefined => {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.used[slot];
  };
  private readonly hitCap: number;
  private readonly codec: KeyCodec<K>;
  private readonly free: number[] = [];
  private capacity = 0;
  /** Per slot: last time the key was added to (for evicting the least recently used key), sources kept, hits kept. */
  private used = new Float64Array(0);
  private lengths = new Int32Array(0);
  private hitLengths = new Int32Array(0);
  /** Per slot, maxPerKey places: the sources, oldest first, and when each was last seen. */
  private ips: string[] = [];
  private times = new Float64Array(0);
  /** Per slot, hitCap places: the key's most recent hits (attempt times, whoever made them), oldest first. */
  private hitTimes = new Float64Array(0);
  /** The key last looked up and its slot: a signal asks about one key several times per event. */
  private lastKey: K | undefined;
  private lastSlot = -1;

  constructor(
    /** How long a source counts for a key after it was last seen with it (ms). */
    readonly window: number,
    private readonly maxKeys: number,
    private readonly maxPerKey: number,
    snapshot?: IndexSnapshot,
    options: IndexOptions<K> = {},
  ) {
    this.hitCap = options.hitCap ?? 0;
    this.codec = options.keys ?? (TEXT as unknown as KeyCodec<K>);
    for (const [text, list, stamp, hits] of snapshot ?? []) {
      const key = this.codec.parse(text);
      const slot = this.newSlot(key);
      this.used[slot] = Math.max(stamp, ...list.map(([, t]) => t));
      for (const [ip, time] of list.slice(-this.maxPerKey)) this.push(slot, ip, time);
      for (const time of (hits ?? []).slice(-this.hitCap))
        this.hitTimes[slot * this.hitCap + this.hitLengths[slot]!++] = time;
      this.queue.push(key, stamp);
    }
  }

  /**
   * Records that `source` showed `key` at `time`, with `hits` attempts. Returns the number of distinct sources now
   * kept for it.
   */
  add(key: K, source: string, time: number, hits = 0): number {
    let slot = this.find(key);
    if (slot < 0) {
      if (this.slots.size >= this.maxKeys) this.dropKey(this.queue.pop(this.lastUse));
      slot = this.newSlot(key);
      this.queue.push(key, time);
      this.lastKey = key;
      this.lastSlot = slot;
    }
    this.used[slot] = time;
    const base = slot * this.maxPerKey;
    const n = this.lengths[slot]!;
    if (n > 0 && this.ips[base + n - 1] === source) {
      // The common case: the lines of one connection hit the same key one after the other.
      this.times[base + n - 1] = time;
    } else {
      let at = -1;
      for (let i = n - 1; i >= 0 && at < 0; i--) if (this.ips[base + i] === source) at = i;
      // Seen before: moved to the end. Full: the oldest makes room (it would be trimmed right after anyway).
      if (at >= 0 || n >= this.maxPerKey) this.shiftOut(slot, Math.max(at, 0));
      this.push(slot, source, time);
    }
    if (this.hitCap > 0 && hits > 0) this.addHits(slot, time, Math.min(hits, this.hitCap));
    const cutoff = time - this.window;
    while (this.lengths[slot]! > 0 && this.times[base]! < cutoff) this.shiftOut(slot, 0);
    return this.lengths[slot]!;
  }

  /** The slot of `key`, or -1. */
  private find(key: K): number {
    if (key === this.lastKey) return this.lastSlot;
    const slot = this.slots.get(key);
    if (slot === undefined) return -1;
    this.lastKey = key;
    this.lastSlot = slot;
    return slot;
  }

  private newSlot(key: K): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.slots.size === this.capacity) this.grow();
      slot = this.slots.size;
    }
    this.slots.set(key, slot);
    this.lengths[slot] = 0;
    this.hitLengths[slot] = 0;
    return slot;
  }

  /** Room for twice as many keys (up to maxKeys): the arrays start small, most indexes hold a few keys. */
  private grow(): void {
    // Past maxKeys only if a full index could not drop a key (it always can: each key is queued).
    const capacity = Math.max(this.capacity + 1, Math.min(Math.max(4, this.capacity * 2), this.maxKeys));
    const widen = (old: Float64Array<ArrayBuffer>, per: number): Float64Array<ArrayBuffer> => {
      const next = new Float64Array(capacity * per);
      next.set(old);
      return next;
    };
    this.used = widen(this.used, 1);
    this.times = widen(this.times, this.maxPerKey);
    this.hitTimes = widen(this.hitTimes, this.hitCap);
    const lengths = new Int32Array(capacity);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const hitLengths = new Int32Array(capacity);
    hitLengths.set(this.hitLengths);
    this.hitLengths = hitLengths;
    this.ips.length = capacity * this.maxPerKey;
    this.capacity = capacity;
  }

  private dropKey(key: K | undefined): void {
    if (key === undefined) return;
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    if (key === this.lastKey) {
      this.lastKey = undefined;
      this.lastSlot = -1;
    }
    this.slots.delete(key);
    // Its sources are let go at once (the strings), not when the slot is reused.
    this.ips.fill('', slot * this.maxPerKey, slot * this.maxPerKey + this.lengths[slot]!);
    this.free.push(slot);
  }

  private push(slot: number, source: string, time: number): void {
    const at = slot * this.maxPerKey + this.lengths[slot]!++;
    this.ips[at] = source;
    this.times[at] = time;
  }

  /** Removes the slot's entry `at`, closing the gap: its sources stay oldest first. */
  private shiftOut(slot: number, at: number): void {
    const base = slot * this.maxPerKey;
    const n = this.lengths[slot]!;
    for (let i = at + 1; i < n; i++) this.ips[base + i - 1] = this.ips[base + i]!;
    this.times.copyWithin(base + at, base + at + 1, base + n);
    this.ips[base + n - 1] = '';
    this.lengths[slot] = n - 1;
  }

  /** `n` copies of `time` appended to the slot's hits, the oldest dropped beyond hitCap. */
  private addHits(slot: number, time: number, n: number): void {
    const base = slot * this.hitCap;
    const keep = Math.min(this.hitLengths[slot]!, this.hitCap - n);
    this.hitTimes.copyWithin(base, base + this.hitLengths[slot]! - keep, base + this.hitLengths[slot]!);
    this.hitTimes.fill(time, base + keep, base + keep + n);
    this.hitLengths[slot] = keep + n;
  }

  /** An emptied key stays until the queue evicts it: each key is queued exactly once. */
  remove(key: K, source: string): void {
    const slot = this.find(key);
    if (slot < 0) return;
    const base = slot * this.maxPerKey;
    for (let i = this.lengths[slot]! - 1; i >= 0; i--) {
      if (this.ips[base + i] !== source) continue;
      this.shiftOut(slot, i);
      return;
    }
  }

  /** Distinct sources seen with `key` within the window before `now`; stops counting at `enough`. Pure read. */
  count(key: K, now: number, enough = Number.POSITIVE_INFINITY): number {
    const slot = this.find(key);
    if (slot < 0) return 0;
    const cutoff = now - this.window;
    const base = slot * this.maxPerKey;
    let n = 0;
    for (let i = this.lengths[slot]! - 1; i >= 0 && n < enough; i--) {
      const seen = this.times[base + i]!;
      if (seen >= cutoff && seen <= now) n++;
    }
    return n;
  }

  /** Whether the key's `need` most recent hits all fell at or after `since`. Pure read. */
  hasHits(key: K, need: number, since: number): boolean {
    const slot = this.find(key);
    if (slot < 0) return false;
    const n = this.hitLengths[slot]!;
    return n >= need && this.hitTimes[slot * this.hitCap + n - need]! >= since;
  }

  /** The key's most recent hits, oldest first (at most hitCap): a copy. */
  hits(key: K): number[] {
    const slot = this.find(key);
    if (slot < 0) return [];
    const base = slot * this.hitCap;
    return Array.from(this.hitTimes.subarray(base, base + this.hitLengths[slot]!));
  }

  /** The sources counted for `key` at `now` (for re-judging them when the key crosses a threshold). */
  sources(key: K, now: number): string[] {
    const slot = this.find(key);
    if (slot < 0) return [];
    const cutoff = now - this.window;
    const base = slot * this.maxPerKey;
    const out: string[] = [];
    for (let i = 0; i < this.lengths[slot]!; i++) {
      const seen = this.times[base + i]!;
      if (seen >= cutoff && seen <= now) out.push(this.ips[base + i]!);
    }
    return out;
  }

  get size(): number {
    return this.slots.size;
  }

  snapshot(): IndexSnapshot {
    return this.queue
      .entries()
      .filter(([key]) => this.slots.has(key))
      .map(([key, stamp]) => {
        const slot = this.slots.get(key)!;
        const base = slot * this.maxPerKey;
        const list: Array<[string, number]> = [];
        for (let i = 0; i < this.lengths[slot]!; i++) list.push([this.ips[base + i]!, this.times[base + i]!]);
        const text = this.codec.format(key);
        return this.hitCap > 0 ? [text, list, stamp, this.hits(key)] : [text, list, stamp];
      });
  }
}
