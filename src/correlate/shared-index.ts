import { ClockQueue } from './clock-queue.js';

/**
 * "How many distinct sources share this key lately?" for every signal that looks for a shared trait (a rhythm
 * bucket, a username, a /24, a socket lifetime). Each key holds its most recent sources with the time each was last
 * seen, oldest first, capped; keys are capped too, least recently touched dropped first. So memory is bounded by
 * maxKeys x maxPerKey whatever the input, and a question costs at most maxPerKey steps, never a scan of all sources.
 */
export type IndexSnapshot = Array<[string, Array<[string, number]>, number]>;

export class SharedIndex {
  private readonly keys = new Map<string, Map<string, number>>();
  /** Last time each key was added to (for evicting the least recently used key). */
  private readonly used = new Map<string, number>();
  private readonly queue = new ClockQueue();
  private readonly lastUse = (key: string): number | undefined => this.used.get(key);

  constructor(
    /** How long a source counts for a key after it was last seen with it (ms). */
    readonly window: number,
    private readonly maxKeys: number,
    private readonly maxPerKey: number,
    snapshot?: IndexSnapshot,
  ) {
    for (const [key, entries, stamp] of snapshot ?? []) {
      this.keys.set(key, new Map(entries));
      this.used.set(key, Math.max(stamp, ...entries.map(([, t]) => t)));
      this.queue.push(key, stamp);
    }
  }

  /** Records that `source` showed `key` at `time`. Returns the number of distinct sources now counted for it. */
  add(key: string, source: string, time: number): number {
    let entries = this.keys.get(key);
    if (!entries) {
      if (this.keys.size >= this.maxKeys) this.dropKey(this.queue.pop(this.lastUse));
      entries = new Map();
      this.keys.set(key, entries);
      this.queue.push(key, time);
    }
    this.used.set(key, time);
    entries.delete(source);
    entries.set(source, time);
    const cutoff = time - this.window;
    for (const [oldest, seen] of entries) {
      if (seen >= cutoff && entries.size <= this.maxPerKey) break;
      entries.delete(oldest);
    }
    return entries.size;
  }

  private dropKey(key: string | undefined): void {
    if (key === undefined) return;
    this.keys.delete(key);
    this.used.delete(key);
  }

  remove(key: string, source: string): void {
    const entries = this.keys.get(key);
    if (!entries) return;
    // An emptied key stays until the queue evicts it: each key is queued exactly once.
    entries.delete(source);
  }

  /** Distinct sources seen with `key` within the window before `now`; stops counting at `enough`. Pure read. */
  count(key: string, now: number, enough = Number.POSITIVE_INFINITY): number {
    const entries = this.keys.get(key);
    if (!entries) return 0;
    const cutoff = now - this.window;
    let n = 0;
    for (const seen of entries.values()) {
      if (seen >= cutoff && seen <= now) {
        n++;
        if (n >= enough) break;
      }
    }
    return n;
  }

  /** The sources counted for `key` at `now` (for re-judging them when the key crosses a threshold). */
  sources(key: string, now: number): string[] {
    const entries = this.keys.get(key);
    if (!entries) return [];
    const cutoff = now - this.window;
    const out: string[] = [];
    for (const [source, seen] of entries) if (seen >= cutoff && seen <= now) out.push(source);
    return out;
  }

  get size(): number {
    return this.keys.size;
  }

  snapshot(): IndexSnapshot {
    return this.queue
      .entries()
      .filter(([key]) => this.keys.has(key))
      .map(([key, stamp]) => [key, [...this.keys.get(key)!], stamp]);
  }
}
