import { ClockQueue } from './clock-queue.js';

/**
 * "How many distinct sources share this key lately?" for every signal that looks for a shared trait (a rhythm
 * bucket, a username, a /24, a socket lifetime). Each key keeps its most recent sources, newest last, with the
 * time each was last seen, in two short arrays (a few dozen entries: a signal needs a handful of sources to call a
 * trait shared). Keys are capped too, the least recently used dropped first. So memory is bounded by
 * maxKeys x maxPerKey whatever the input, and a question costs at most maxPerKey steps, never a scan of sources.
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
  /** Hits kept per key (see `hits`); 0 (the default) when the signal does not use them. */
  readonly hitCap?: number;
  /** Required when keys are not text. */
  readonly keys?: KeyCodec<K>;
}

interface Entries {
  ips: string[];
  times: number[];
  /** The key's most recent hits (attempt times, whoever made them), capped at hitCap; empty when unused. */
  hits: number[];
  /** Last time the key was added to (for evicting the least recently used key). */
  used: number;
}

export class SharedIndex<K extends string | number = string> {
  private readonly keys = new Map<K, Entries>();
  private readonly queue = new ClockQueue<K>();
  private readonly lastUse = (key: K): number | undefined => this.keys.get(key)?.used;
  private readonly hitCap: number;
  private readonly codec: KeyCodec<K>;
  /**
   * The key last looked up and its entries: a signal asks about one key several times per event (count, add,
   * count again), so most lookups skip the map. Entries are mutated in place, never replaced, so only dropKey
   * has to forget it.
   */
  private lastKey: K | undefined;
  private lastEntries: Entries | undefined;

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
      const used = Math.max(stamp, ...list.map(([, t]) => t));
      this.keys.set(key, { ips: list.map(([ip]) => ip), times: list.map(([, t]) => t), hits: hits ?? [], used });
      this.queue.push(key, stamp);
    }
  }

  /**
   * Records that `source` showed `key` at `time`, with `hits` attempts. Returns the number of distinct sources now
   * kept for it.
   */
  add(key: K, source: string, time: number, hits = 0): number {
    let entries = this.find(key);
    if (!entries) {
      if (this.keys.size >= this.maxKeys) this.dropKey(this.queue.pop(this.lastUse));
      // Most keys never get a second source (a /24 of a botnet spread over the internet): one-element arrays,
      // not the 17 slots V8 gives an empty array on its first push.
      const hitList = this.hitCap > 0 && hits > 0 ? new Array<number>(Math.min(hits, this.hitCap)).fill(time) : [];
      entries = { ips: [source], times: [time], hits: hitList, used: time };
      this.keys.set(key, entries);
      this.queue.push(key, time);
      this.lastKey = key;
      this.lastEntries = entries;
      return 1;
    }
    // Kept on the entry rather than in a second map: one lookup per add instead of two.
    entries.used = time;
    const { ips, times } = entries;
    const last = ips.length - 1;
    if (last >= 0 && ips[last] === source) {
      // The common case: the lines of one connection hit the same key one after the other.
      times[last] = time;
    } else {
      const at = ips.lastIndexOf(source);
      if (at >= 0) {
        moveToEnd(ips, at, source);
        moveToEnd(times, at, time);
      } else if (ips.length >= this.maxPerKey) {
        // Full, so the oldest would be trimmed right after a push: drop it by shifting in place instead (shared
        // names and the single-key signals are full most of the time; splice allocates what it removes).
        moveToEnd(ips, 0, source);
        moveToEnd(times, 0, time);
      } else {
        ips.push(source);
        times.push(time);
      }
    }
    if (this.hitCap > 0 && hits > 0) appendCapped(entries.hits, time, Math.min(hits, this.hitCap), this.hitCap);
    const cutoff = time - this.window;
    let drop = 0;
    while (drop < ips.length && (ips.length - drop > this.maxPerKey || times[drop]! < cutoff)) drop++;
    if (drop > 0) {
      // splice left-trims the array in place (cheaper than shifting and shortening it).
      ips.splice(0, drop);
      times.splice(0, drop);
    }
    return ips.length;
  }

  private find(key: K): Entries | undefined {
    if (key === this.lastKey) return this.lastEntries;
    const entries = this.keys.get(key);
    if (entries) {
      this.lastKey = key;
      this.lastEntries = entries;
    }
    return entries;
  }

  private dropKey(key: K | undefined): void {
    if (key === undefined) return;
    if (key === this.lastKey) {
      this.lastKey = undefined;
      this.lastEntries = undefined;
    }
    this.keys.delete(key);
  }

  /** An emptied key stays until the queue evicts it: each key is queued exactly once. */
  remove(key: K, source: string): void {
    const entries = this.find(key);
    if (!entries) return;
    const at = entries.ips.lastIndexOf(source);
    if (at < 0) return;
    entries.ips.splice(at, 1);
    entries.times.splice(at, 1);
  }

  /** Distinct sources seen with `key` within the window before `now`; stops counting at `enough`. Pure read. */
  count(key: K, now: number, enough = Number.POSITIVE_INFINITY): number {
    const entries = this.find(key);
    if (!entries) return 0;
    const cutoff = now - this.window;
    const { times } = entries;
    let n = 0;
    for (let i = times.length - 1; i >= 0 && n < enough; i--) {
      const seen = times[i]!;
      if (seen >= cutoff && seen <= now) n++;
    }
    return n;
  }

  /** The key's most recent hits, oldest first (at most hitCap). Pure read; do not modify. */
  hits(key: K): readonly number[] {
    return this.find(key)?.hits ?? NO_HITS;
  }

  /** The sources counted for `key` at `now` (for re-judging them when the key crosses a threshold). */
  sources(key: K, now: number): string[] {
    const entries = this.find(key);
    if (!entries) return [];
    const cutoff = now - this.window;
    const out: string[] = [];
    entries.times.forEach((seen, i) => {
      if (seen >= cutoff && seen <= now) out.push(entries.ips[i]!);
    });
    return out;
  }

  get size(): number {
    return this.keys.size;
  }

  snapshot(): IndexSnapshot {
    return this.queue
      .entries()
      .filter(([key]) => this.keys.has(key))
      .map(([key, stamp]) => {
        const { ips, times, hits } = this.keys.get(key)!;
        const list = ips.map((ip, i) => [ip, times[i]!] as [string, number]);
        const text = this.codec.format(key);
        return this.hitCap > 0 ? [text, list, stamp, [...hits]] : [text, list, stamp];
      });
  }
}

const NO_HITS: readonly number[] = Object.freeze([]);

/**
 * The entry at `at` moved to the end with a new value, in place: this runs for most attempts, and neither
 * splice (it allocates what it removes) nor a change of length (a call into the runtime) is needed.
 */
function moveToEnd<T>(list: T[], at: number, value: T): void {
  for (let i = at + 1; i < list.length; i++) list[i - 1] = list[i]!;
  list[list.length - 1] = value;
}

/**
 * `n` copies of `value` appended, the oldest dropped beyond `cap`; the array never shrinks, so once full it is
 * rewritten in place instead of trimmed and regrown on every hit.
 */
function appendCapped(list: number[], value: number, n: number, cap: number): void {
  const keep = Math.min(list.length, cap - n);
  const from = list.length - keep;
  for (let i = 0; i < keep; i++) list[i] = list[from + i]!;
  for (let i = keep; i < keep + n; i++) {
    if (i < list.length) list[i] = value;
    else list.push(value);
  }
  // Only a snapshot taken with a larger cap (maxretry lowered since) can be longer.
  if (list.length > keep + n) list.length = keep + n;
}
