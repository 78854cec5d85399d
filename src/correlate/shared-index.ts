import { jsonArrayPieces } from '../core/json-pieces.js';
import { UintSlots } from '../core/uint-slots.js';
import { ClockQueue } from './clock-queue.js';
import { addressTag } from './ip-prefix.js';
import { SlotPool } from './slot-pool.js';

/**
 * "How many distinct sources share this key lately?" for every signal that looks for a shared trait (a rhythm
 * bucket, a username, a /24, a socket lifetime). Each key keeps its most recent sources, newest last, with the
 * time each was last seen (a few dozen at most: a signal needs a handful of sources to call a trait shared). Keys are
 * capped too, the least recently used dropped first. So memory is bounded by maxKeys x maxPerKey whatever the input,
 * and a question costs at most maxPerKey steps, never a scan of sources.
 *
 * Each key owns a slot in one of two pools of typed arrays (slot-pool.ts): a small one while it holds a couple of
 * sources and a few hits, as most keys do, a large one once it needs more. A botnet spread over the internet brings
 * a new /24 with nearly every attempt, so keys come and go all the time: as an object and three arrays each, they
 * were a large part of the detector's garbage.
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

/**
 * A new key's room: most keys never hold more (on bench/replay.mjs's log, at most an eighth of locality's 20,000
 * blocks ever needed more than 2 sources or 4 hits). A key that outgrows it moves to a slot with room for maxPerKey
 * sources and hitCap hits, so no answer changes: with that room for every key, locality's index alone was ~7 MB.
 */
const SMALL_ROOM = 2;
const SMALL_HITS = 4;

export class SharedIndex<K extends string | number = string> {
  /**
   * Key -> its handle (its slot times two, plus 1 when the slot is in the large pool): keys that are 32-bit unsigned
   * integers (IPv4 blocks, name hashes, buckets) in a table of typed arrays, others in a Map.
   */
  private readonly numbered = new UintSlots(16);
  private readonly named = new Map<K, number>();
  private readonly queue = new ClockQueue<K>();
  private readonly lastUse = (key: K): number | undefined => {
    const handle = this.handleOf(key);
    return handle < 0 ? undefined : this.pools[handle & 1]!.lastUse(handle >> 1);
  };
  private readonly hitCap: number;
  private readonly codec: KeyCodec<K>;
  /** The pools of small slots (0) and of large ones (1). */
  private readonly pools: readonly [SlotPool, SlotPool];
  /**
   * The key last looked up and its handle (-1: not held): a signal asks about one key several times per event, and
   * about a key it does not hold yet before adding it (locality asks whether a block is eligible, then adds to it).
   */
  private lastKey: K | undefined;
  private lastHandle = -1;

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
    this.pools = [
      new SlotPool(Math.min(SMALL_ROOM, maxPerKey), Math.min(SMALL_HITS, this.hitCap), maxKeys),
      new SlotPool(maxPerKey, this.hitCap, maxKeys),
    ];
    for (const [text, entries, stamp, allHits] of snapshot ?? []) {
      const key = this.codec.parse(text);
      const list = entries.slice(-this.maxPerKey);
      const hits = this.hitCap > 0 ? (allHits ?? []).slice(-this.hitCap) : [];
      const small = this.pools[0];
      const handle = this.newSlot(key, list.length > small.room || hits.length > small.hitCap ? 1 : 0);
      const pool = this.pools[handle & 1]!;
      const slot = handle >> 1;
      pool.setLastUse(slot, Math.max(stamp, ...list.map(([, t]) => t)));
      for (const [ip, time] of list) pool.push(slot, ip, addressTag(ip), time);
      for (const time of hits) pool.addHits(slot, time, 1);
      this.queue.push(key, stamp);
    }
  }

  /**
   * Records that `source` showed `key` at `time`, with `hits` attempts. Returns the number of distinct sources now
   * kept for it.
   */
  add(key: K, source: string, time: number, hits = 0): number {
    let handle = this.find(key);
    if (handle < 0) {
      if (this.size >= this.maxKeys) this.dropKey(this.queue.pop(this.lastUse));
      handle = this.newSlot(key, 0);
      this.queue.push(key, time);
      this.lastKey = key;
      this.lastHandle = handle;
    }
    let pool = this.pools[handle & 1]!;
    let slot = handle >> 1;
    pool.setLastUse(slot, time);
    const tag = addressTag(source);
    const n = pool.sourceCount(slot);
    if (n > 0 && pool.isAt(slot, n - 1, source, tag)) {
      // The common case: the lines of one connection hit the same key one after the other.
      pool.setTimeAt(slot, n - 1, time);
    } else {
      const seen = pool.indexOf(slot, source, tag);
      // Seen before: moved to the end. Full: the oldest makes room (it would be trimmed right after anyway).
      if (seen >= 0 || n >= this.maxPerKey) pool.shiftOut(slot, Math.max(seen, 0));
      else if (n >= pool.room) handle = this.enlarge(key, handle);
      pool = this.pools[handle & 1]!;
      slot = handle >> 1;
      pool.push(slot, source, tag, time);
    }
    if (this.hitCap > 0 && hits > 0) {
      const n = Math.min(hits, this.hitCap);
      if (pool.hitCount(slot) + n > pool.hitCap && pool.hitCap < this.hitCap) {
        handle = this.enlarge(key, handle);
        pool = this.pools[1];
        slot = handle >> 1;
      }
      pool.addHits(slot, time, n);
    }
    const cutoff = time - this.window;
    while (pool.sourceCount(slot) > 0 && pool.timeAt(slot, 0) < cutoff) pool.shiftOut(slot, 0);
    return pool.sourceCount(slot);
  }

  /** The handle of `key`, or -1. */
  private find(key: K): number {
    if (key === this.lastKey) return this.lastHandle;
    const handle = this.handleOf(key);
    this.lastKey = key;
    this.lastHandle = handle;
    return handle;
  }

  private newSlot(key: K, pool: 0 | 1): number {
    const handle = this.pools[pool].take() * 2 + pool;
    this.setHandle(key, handle);
    return handle;
  }

  private handleOf(key: K): number {
    return typeof key === 'number' && key >>> 0 === key ? this.numbered.get(key) : (this.named.get(key) ?? -1);
  }

  private setHandle(key: K, handle: number): void {
    if (typeof key === 'number' && key >>> 0 === key) this.numbered.set(key, handle);
    else this.named.set(key, handle);
  }

  /** Moves a small slot's key to a large slot, with all it holds. */
  private enlarge(key: K, handle: number): number {
    const [small, large] = this.pools;
    const moved = large.takeCopy(small, handle >> 1) * 2 + 1;
    small.release(handle >> 1);
    this.setHandle(key, moved);
    if (this.lastKey === key) this.lastHandle = moved;
    return moved;
  }

  private dropKey(key: K | undefined): void {
    if (key === undefined) return;
    const handle = this.handleOf(key);
    if (handle < 0) return;
    if (key === this.lastKey) {
      this.lastKey = undefined;
      this.lastHandle = -1;
    }
    if (typeof key === 'number' && key >>> 0 === key) this.numbered.delete(key);
    else this.named.delete(key);
    this.pools[handle & 1]!.release(handle >> 1);
  }

  /** An emptied key stays until the queue evicts it: each key is queued exactly once. */
  remove(key: K, source: string): void {
    const handle = this.find(key);
    if (handle < 0) return;
    const pool = this.pools[handle & 1]!;
    const slot = handle >> 1;
    const i = pool.indexOf(slot, source, addressTag(source));
    if (i >= 0) pool.shiftOut(slot, i);
  }

  /** Distinct sources seen with `key` within the window before `now`; stops counting at `enough`. Pure read. */
  count(key: K, now: number, enough = Number.POSITIVE_INFINITY): number {
    const handle = this.find(key);
    if (handle < 0) return 0;
    const pool = this.pools[handle & 1]!;
    const slot = handle >> 1;
    const cutoff = now - this.window;
    let n = 0;
    for (let i = pool.sourceCount(slot) - 1; i >= 0 && n < enough; i--) {
      const seen = pool.timeAt(slot, i);
      if (seen >= cutoff && seen <= now) n++;
    }
    return n;
  }

  /** Whether the key's `need` most recent hits all fell at or after `since`. Pure read. */
  hasHits(key: K, need: number, since: number): boolean {
    const handle = this.find(key);
    if (handle < 0) return false;
    return this.pools[handle & 1]!.hitsSince(handle >> 1, need, since);
  }

  /** The key's most recent hits, oldest first (at most hitCap): a copy. */
  hits(key: K): number[] {
    const handle = this.find(key);
    if (handle < 0) return [];
    return this.pools[handle & 1]!.hits(handle >> 1);
  }

  /** The sources counted for `key` at `now` (for re-judging them when the key crosses a threshold). */
  sources(key: K, now: number): string[] {
    const handle = this.find(key);
    if (handle < 0) return [];
    const pool = this.pools[handle & 1]!;
    const slot = handle >> 1;
    const cutoff = now - this.window;
    const out: string[] = [];
    for (let i = 0; i < pool.sourceCount(slot); i++) {
      const seen = pool.timeAt(slot, i);
      if (seen >= cutoff && seen <= now) out.push(pool.sourceAt(slot, i));
    }
    return out;
  }

  get size(): number {
    return this.numbered.size + this.named.size;
  }

  snapshot(): IndexSnapshot {
    return [...this.entries()];
  }

  /** snapshot() as JSON text, a key at a time in pieces of ~64 kB (the state file: CampaignDetector.snapshotJson). */
  snapshotJson(): Generator<string> {
    return jsonArrayPieces(this.entries());
  }

  /** Each key's snapshot entry, least recently queued first. */
  private *entries(): Generator<IndexSnapshot[number]> {
    for (const [key, stamp] of this.queue.walk()) {
      const handle = this.handleOf(key);
      if (handle < 0) continue;
      const pool = this.pools[handle & 1]!;
      const slot = handle >> 1;
      const list: Array<[string, number]> = [];
      for (let i = 0; i < pool.sourceCount(slot); i++) list.push([pool.sourceAt(slot, i), pool.timeAt(slot, i)]);
      const text = this.codec.format(key);
      yield this.hitCap > 0 ? [text, list, stamp, this.hits(key)] : [text, list, stamp];
    }
  }
}
