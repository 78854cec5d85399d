import { ClockQueue } from './clock-queue.js';

/**
 * "How many distinct sources share this key lately?" for every signal that looks for a shared trait (a rhythm
 * bucket, a username, a /24, a socket lifetime). Each key keeps its most recent sources, newest last, with the
 * time each was last seen (a few dozen at most: a signal needs a handful of sources to call a trait shared). Keys are
 * capped too, the least recently used dropped first. So memory is bounded by maxKeys x maxPerKey whatever the input,
 * and a question costs at most maxPerKey steps, never a scan of sources.
 *
 * Each key owns a slot: its sources at the slot's place in a flat array, its times (when it was last added to, when
 * each source was last seen, its hits) side by side in one typed array and its two counts in another, so that a new
 * key touches a few cache lines rather than one per array; a dropped key's slot goes to the next new key. A botnet
 * spread over the internet brings a new /24 with nearly every attempt, so keys come and go all the time: as an
 * object and three arrays each, they were a large part of the detector's garbage.
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

/** A slot's numbers in `data`: its last use, then the times of its sources and of its hits (see `data`). */
const USED = 0;
const TIMES = 1;

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
    return slot === undefined ? undefined : this.data[slot * this.stride + USED];
  };
  private readonly hitCap: number;
  private readonly codec: KeyCodec<K>;
  private readonly free: number[] = [];
  private capacity = 0;
  /**
   * Per slot, `stride` numbers: when the key was last added to (for evicting the least recently used key), then
   * maxPerKey places for when each source was last seen, then hitCap places for the key's most recent hits (attempt
   * times, whoever made them); oldest first.
   */
  private data = new Float64Array(0);
  /** Per slot, two: how many sources it keeps (at 2 * slot) and how many hits (at 2 * slot + 1). */
  private counts = new Int32Array(0);
  private readonly stride: number;
  /** Where a slot's hits start, from the slot's first number. */
  private readonly hitsAt: number;
  /** Per slot, maxPerKey places: the sources, oldest first (the times' order). */
  private ips: string[] = [];
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
    this.hitsAt = TIMES + maxPerKey;
    this.stride = this.hitsAt + this.hitCap;
    for (const [text, list, stamp, hits] of snapshot ?? []) {
      const key = this.codec.parse(text);
      const slot = this.newSlot(key);
      this.data[slot * this.stride + USED] = Math.max(stamp, ...list.map(([, t]) => t));
      for (const [ip, time] of list.slice(-this.maxPerKey)) this.push(slot, ip, time);
      if (this.hitCap > 0) for (const time of (hits ?? []).slice(-this.hitCap)) this.addHits(slot, time, 1);
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
    const at = slot * this.stride;
    const base = slot * this.maxPerKey;
    this.data[at + USED] = time;
    const n = this.counts[2 * slot]!;
    if (n > 0 && this.ips[base + n - 1] === source) {
      // The common case: the lines of one connection hit the same key one after the other.
      this.data[at + TIMES + n - 1] = time;
    } else {
      let seen = -1;
      for (let i = n - 1; i >= 0 && seen < 0; i--) if (this.ips[base + i] === source) seen = i;
      // Seen before: moved to the end. Full: the oldest makes room (it would be trimmed right after anyway).
      if (seen >= 0 || n >= this.maxPerKey) this.shiftOut(slot, Math.max(seen, 0));
      this.push(slot, source, time);
    }
    if (this.hitCap > 0 && hits > 0) this.addHits(slot, time, Math.min(hits, this.hitCap));
    const cutoff = time - this.window;
    while (this.counts[2 * slot]! > 0 && this.data[at + TIMES]! < cutoff) this.shiftOut(slot, 0);
    return this.counts[2 * slot]!;
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
    this.counts[2 * slot] = 0;
    this.counts[2 * slot + 1] = 0;
    return slot;
  }

  /** Room for twice as many keys (up to maxKeys): the arrays start small, most indexes hold a few keys. */
  private grow(): void {
    // Past maxKeys only if a full index could not drop a key (it always can: each key is queued).
    const capacity = Math.max(this.capacity + 1, Math.min(Math.max(4, this.capacity * 2), this.maxKeys));
    const data = new Float64Array(capacity * this.stride);
    data.set(this.data);
    this.data = data;
    const counts = new Int32Array(capacity * 2);
    counts.set(this.counts);
    this.counts = counts;
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
    const base = slot * this.maxPerKey;
    for (let i = this.counts[2 * slot]! - 1; i >= 0; i--) this.ips[base + i] = '';
    this.free.push(slot);
  }

  private push(slot: number, source: string, time: number): void {
    const at = slot * this.stride;
    const n = this.counts[2 * slot]!;
    this.ips[slot * this.maxPerKey + n] = source;
    this.data[at + TIMES + n] = time;
    this.counts[2 * slot] = n + 1;
  }

  // Loops rather than copyWithin and fill: each moves a few numbers, and those are calls into the runtime.

  /** Removes the slot's entry `i`, closing the gap: its sources stay oldest first. */
  private shiftOut(slot: number, i: number): void {
    const base = slot * this.maxPerKey;
    const times = slot * this.stride + TIMES;
    const n = this.counts[2 * slot]!;
    for (let j = i + 1; j < n; j++) {
      this.ips[base + j - 1] = this.ips[base + j]!;
      this.data[times + j - 1] = this.data[times + j]!;
    }
    this.ips[base + n - 1] = '';
    this.counts[2 * slot] = n - 1;
  }

  /** `n` copies of `time` appended to the slot's hits, the oldest dropped beyond hitCap. */
  private addHits(slot: number, time: number, n: number): void {
    const hits = slot * this.stride + this.hitsAt;
    const had = this.counts[2 * slot + 1]!;
    const keep = Math.min(had, this.hitCap - n);
    for (let j = 0; j < keep; j++) this.data[hits + j] = this.data[hits + had - keep + j]!;
    for (let j = keep; j < keep + n; j++) this.data[hits + j] = time;
    this.counts[2 * slot + 1] = keep + n;
  }

  /** An emptied key stays until the queue evicts it: each key is queued exactly once. */
  remove(key: K, source: string): void {
    const slot = this.find(key);
    if (slot < 0) return;
    const base = slot * this.maxPerKey;
    for (let i = this.counts[2 * slot]! - 1; i >= 0; i--) {
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
    const times = slot * this.stride + TIMES;
    let n = 0;
    for (let i = this.counts[2 * slot]! - 1; i >= 0 && n < enough; i--) {
      const seen = this.data[times + i]!;
      if (seen >= cutoff && seen <= now) n++;
    }
    return n;
  }

  /** Whether the key's `need` most recent hits all fell at or after `since`. Pure read. */
  hasHits(key: K, need: number, since: number): boolean {
    const slot = this.find(key);
    if (slot < 0) return false;
    const n = this.counts[2 * slot + 1]!;
    return n >= need && this.data[slot * this.stride + this.hitsAt + n - need]! >= since;
  }

  /** The key's most recent hits, oldest first (at most hitCap): a copy. */
  hits(key: K): number[] {
    const slot = this.find(key);
    if (slot < 0) return [];
    const hits = slot * this.stride + this.hitsAt;
    return Array.from(this.data.subarray(hits, hits + this.counts[2 * slot + 1]!));
  }

  /** The sources counted for `key` at `now` (for re-judging them when the key crosses a threshold). */
  sources(key: K, now: number): string[] {
    const slot = this.find(key);
    if (slot < 0) return [];
    const cutoff = now - this.window;
    const base = slot * this.maxPerKey;
    const times = slot * this.stride + TIMES;
    const out: string[] = [];
    for (let i = 0; i < this.counts[2 * slot]!; i++) {
      const seen = this.data[times + i]!;
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
        const times = slot * this.stride + TIMES;
        const list: Array<[string, number]> = [];
        for (let i = 0; i < this.counts[2 * slot]!; i++) list.push([this.ips[base + i]!, this.data[times + i]!]);
        const text = this.codec.format(key);
        return this.hitCap > 0 ? [text, list, stamp, this.hits(key)] : [text, list, stamp];
      });
  }
}
