import { grown } from '../core/grown.js';

/**
 * Storage for SharedIndex's keys (shared-index.ts): fixed-size slots, each with room for up to `room` sources (their
 * addresses, and when each was last seen, oldest first) and up to `hitCap` hits (attempt times, oldest first). A
 * slot's numbers sit side by side in one typed array, its two counts in another, so that a new key touches a few
 * cache lines rather than one per array; a released slot goes to the next key that needs one.
 */

/** A slot's numbers in `data`: its last use, then the times of its sources and of its hits. */
const USED = 0;
const TIMES = 1;

export class SlotPool {
  /** Per slot, `stride` numbers: its last use, `room` source times, `hitCap` hit times. */
  data = new Float64Array(0);
  /** Per slot, two: how many sources it keeps (at 2 * slot) and how many hits (at 2 * slot + 1). */
  counts = new Int32Array(0);
  /** Per slot, `room` places: the sources, oldest first (the times' order). */
  readonly ips: string[] = [];
  readonly stride: number;
  /** Where a slot's hits start, from the slot's first number. */
  readonly hitsAt: number;
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
    this.counts[2 * slot] = 0;
    this.counts[2 * slot + 1] = 0;
    return slot;
  }

  /** Gives the slot back; its sources are let go at once (the strings), not when the slot is reused. */
  release(slot: number): void {
    const base = slot * this.room;
    for (let i = this.counts[2 * slot]! - 1; i >= 0; i--) this.ips[base + i] = '';
    this.free.push(slot);
  }

  /** Room for twice as many slots (up to the limit): the arrays start small, most indexes hold a few keys. */
  private grow(): void {
    const capacity = Math.max(this.capacity + 1, Math.min(Math.max(4, this.capacity * 2), this.limit));
    this.data = grown(this.data, capacity * this.stride);
    this.counts = grown(this.counts, capacity * 2);
    this.ips.length = capacity * this.room;
    this.capacity = capacity;
  }

  lastUse(slot: number): number {
    return this.data[slot * this.stride + USED]!;
  }

  setLastUse(slot: number, time: number): void {
    this.data[slot * this.stride + USED] = time;
  }

  /** Where the slot's source times start in `data`. */
  timesAt(slot: number): number {
    return slot * this.stride + TIMES;
  }

  /** Appends a source seen at `time`; the caller makes sure there is room. */
  push(slot: number, source: string, time: number): void {
    const n = this.counts[2 * slot]!;
    this.ips[slot * this.room + n] = source;
    this.data[slot * this.stride + TIMES + n] = time;
    this.counts[2 * slot] = n + 1;
  }

  // Loops rather than copyWithin and fill: each moves a few numbers, and those are calls into the runtime.

  /** Removes the slot's source `i`, closing the gap: its sources stay oldest first. */
  shiftOut(slot: number, i: number): void {
    const base = slot * this.room;
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
  addHits(slot: number, time: number, n: number): void {
    const hits = slot * this.stride + this.hitsAt;
    const had = this.counts[2 * slot + 1]!;
    const keep = Math.min(had, this.hitCap - n);
    for (let j = 0; j < keep; j++) this.data[hits + j] = this.data[hits + had - keep + j]!;
    for (let j = keep; j < keep + n; j++) this.data[hits + j] = time;
    this.counts[2 * slot + 1] = keep + n;
  }

  /** Copies a slot of `from` (whose room and hits fit in this pool's) into a new slot of this one. */
  takeCopy(from: SlotPool, slot: number): number {
    const to = this.take();
    const n = from.counts[2 * slot]!;
    const h = from.counts[2 * slot + 1]!;
    const src = slot * from.stride;
    const dst = to * this.stride;
    this.data[dst + USED] = from.data[src + USED]!;
    for (let i = 0; i < n; i++) {
      this.ips[to * this.room + i] = from.ips[slot * from.room + i]!;
      this.data[dst + TIMES + i] = from.data[src + TIMES + i]!;
    }
    for (let i = 0; i < h; i++) this.data[dst + this.hitsAt + i] = from.data[src + from.hitsAt + i]!;
    this.counts[2 * to] = n;
    this.counts[2 * to + 1] = h;
    return to;
  }
}
