import { grown } from '../core/grown.js';

/**
 * Storage for SharedIndex's keys (shared-index.ts): fixed-size slots, each with room for up to `room` sources (their
 * addresses, and when each was last seen, oldest first) and up to `hitCap` hits (attempt times, oldest first). A
 * slot's numbers sit side by side in one typed array, its counts in another, so that a new key touches a few cache
 * lines rather than one per array; a released slot goes to the next key that needs one.
 *
 * A slot's sources are a ring: the oldest leaves by moving the ring's start, not by moving the others down. A full
 * key (a busy /16, a common name) drops its oldest source for every new one, and each address moved was a store
 * into an array of the old generation, which the collector's write barrier records. Beside each source, its tag
 * (ip-prefix.ts, addressTag): a number that differs when the addresses differ, so that asking whether a key holds a
 * source reads a few numbers side by side, and compares text only when the numbers agree.
 */

/** A slot's numbers in `data`: its last use, then the times of its sources (in ring order) and of its hits. */
const USED = 0;
const TIMES = 1;

/** A slot's counts in `counts`: how many sources, how many hits, and where its ring of sources starts. */
const SOURCES = 0;
const HITS = 1;
const START = 2;
const COUNTS = 3;

export class SlotPool {
  /** Per slot, `stride` numbers: its last use, `room` source times, `hitCap` hit times. */
  private data = new Float64Array(0);
  /** Per slot, COUNTS numbers: SOURCES, HITS, START. */
  private counts = new Int32Array(0);
  /** Per slot, `room` places: the sources, as a ring (the times' places). */
  private readonly ips: string[] = [];
  /** Per slot, `room` places: each source's tag. */
  private tags = new Int32Array(0);
  private readonly stride: number;
  /** Where a slot's hits start, from the slot's first number. */
  private readonly hitsAt: number;
  private readonly free: number[] = [];
  private used = 0;
  private capacity = 0;

  constructor(
    readonly room: number,
    readonly hitCap: number,
    /** Slots ever needed at once: growth stops there instead of doubling past it. */
    private readonly limit: number,
  ) {
    this.hitsAt = TIMES + room;
    this.stride = this.hitsAt + hitCap;
  }

  /** An empty slot, with no sources and no hits. */
  take(): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === this.capacity) this.grow();
      slot = this.used++;
    }
    this.counts[COUNTS * slot + SOURCES] = 0;
    this.counts[COUNTS * slot + HITS] = 0;
    this.counts[COUNTS * slot + START] = 0;
    return slot;
  }

  /** Gives the slot back; its sources are let go at once (the strings), not when the slot is reused. */
  release(slot: number): void {
    const base = slot * this.room;
    for (let i = this.sourceCount(slot) - 1; i >= 0; i--) this.ips[base + this.place(slot, i)] = '';
    this.free.push(slot);
  }

  /** Room for twice as many slots (up to the limit): the arrays start small, most indexes hold a few keys. */
  private grow(): void {
    const capacity = Math.max(this.capacity + 1, Math.min(Math.max(4, this.capacity * 2), this.limit));
    this.data = grown(this.data, capacity * this.stride);
    this.counts = grown(this.counts, capacity * COUNTS);
    this.tags = grown(this.tags, capacity * this.room);
    this.ips.length = capacity * this.room;
    this.capacity = capacity;
  }

  lastUse(slot: number): number {
    return this.data[slot * this.stride + USED]!;
  }

  setLastUse(slot: number, time: number): void {
    this.data[slot * this.stride + USED] = time;
  }

  sourceCount(slot: number): number {
    return this.counts[COUNTS * slot + SOURCES]!;
  }

  hitCount(slot: number): number {
    return this.counts[COUNTS * slot + HITS]!;
  }

  /** Where the slot's source `i` (0: the oldest) sits within its room. */
  private place(slot: number, i: number): number {
    const p = this.counts[COUNTS * slot + START]! + i;
    return p >= this.room ? p - this.room : p;
  }

  sourceAt(slot: number, i: number): string {
    return this.ips[slot * this.room + this.place(slot, i)]!;
  }

  /** When the slot's source `i` was last seen. */
  timeAt(slot: number, i: number): number {
    return this.data[slot * this.stride + TIMES + this.place(slot, i)]!;
  }

  setTimeAt(slot: number, i: number, time: number): void {
    this.data[slot * this.stride + TIMES + this.place(slot, i)] = time;
  }

  /** Whether the slot's source `i` is `source`, whose tag is `tag`. */
  isAt(slot: number, i: number, source: string, tag: number): boolean {
    const at = slot * this.room + this.place(slot, i);
    return this.tags[at] === tag && this.ips[at] === source;
  }

  /** Where `source` (tagged `tag`) is among the slot's sources, or -1. */
  indexOf(slot: number, source: string, tag: number): number {
    const base = slot * this.room;
    const n = this.counts[COUNTS * slot + SOURCES]!;
    let p = this.counts[COUNTS * slot + START]!;
    for (let i = 0; i < n; i++) {
      if (this.tags[base + p] === tag && this.ips[base + p] === source) return i;
      if (++p === this.room) p = 0;
    }
    return -1;
  }

  /** Appends a source seen at `time`; the caller makes sure there is room. */
  push(slot: number, source: string, tag: number, time: number): void {
    const n = this.counts[COUNTS * slot + SOURCES]!;
    const p = this.place(slot, n);
    this.ips[slot * this.room + p] = source;
    this.tags[slot * this.room + p] = tag;
    this.data[slot * this.stride + TIMES + p] = time;
    this.counts[COUNTS * slot + SOURCES] = n + 1;
  }

  // Loops rather than copyWithin and fill: each moves a few numbers, and those are calls into the runtime.

  /** Removes the slot's source `i`, closing the gap: its sources stay oldest first. */
  shiftOut(slot: number, i: number): void {
    const base = slot * this.room;
    const times = slot * this.stride + TIMES;
    const n = this.counts[COUNTS * slot + SOURCES]!;
    let p = this.place(slot, i);
    if (i === 0) {
      // The oldest: the ring starts one further on.
      this.ips[base + p] = '';
      this.counts[COUNTS * slot + START] = p + 1 === this.room ? 0 : p + 1;
      this.counts[COUNTS * slot + SOURCES] = n - 1;
      return;
    }
    for (let j = i + 1; j < n; j++) {
      const q = p + 1 === this.room ? 0 : p + 1;
      this.ips[base + p] = this.ips[base + q]!;
      this.tags[base + p] = this.tags[base + q]!;
      this.data[times + p] = this.data[times + q]!;
      p = q;
    }
    this.ips[base + p] = '';
    this.counts[COUNTS * slot + SOURCES] = n - 1;
  }

  /** Whether the slot's `need` most recent hits all fell at or after `since`. */
  hitsSince(slot: number, need: number, since: number): boolean {
    const n = this.counts[COUNTS * slot + HITS]!;
    return n >= need && this.data[slot * this.stride + this.hitsAt + n - need]! >= since;
  }

  /** The slot's hits, oldest first: a copy. */
  hits(slot: number): number[] {
    const hits = slot * this.stride + this.hitsAt;
    return Array.from(this.data.subarray(hits, hits + this.counts[COUNTS * slot + HITS]!));
  }

  /** `n` copies of `time` appended to the slot's hits, the oldest dropped beyond hitCap. */
  addHits(slot: number, time: number, n: number): void {
    const hits = slot * this.stride + this.hitsAt;
    const had = this.counts[COUNTS * slot + HITS]!;
    const keep = Math.min(had, this.hitCap - n);
    for (let j = 0; j < keep; j++) this.data[hits + j] = this.data[hits + had - keep + j]!;
    for (let j = keep; j < keep + n; j++) this.data[hits + j] = time;
    this.counts[COUNTS * slot + HITS] = keep + n;
  }

  /** Copies a slot of `from` (whose room and hits fit in this pool's) into a new slot of this one, its ring from 0. */
  takeCopy(from: SlotPool, slot: number): number {
    const to = this.take();
    const n = from.sourceCount(slot);
    const h = from.hitCount(slot);
    const src = slot * from.stride;
    const dst = to * this.stride;
    this.data[dst + USED] = from.data[src + USED]!;
    for (let i = 0; i < n; i++) {
      const p = slot * from.room + from.place(slot, i);
      this.ips[to * this.room + i] = from.ips[p]!;
      this.tags[to * this.room + i] = from.tags[p]!;
      this.data[dst + TIMES + i] = from.timeAt(slot, i);
    }
    for (let i = 0; i < h; i++) this.data[dst + this.hitsAt + i] = from.data[src + from.hitsAt + i]!;
    this.counts[COUNTS * to + SOURCES] = n;
    this.counts[COUNTS * to + HITS] = h;
    return to;
  }
}
