import { namesOnly } from './campaign-match.js';
import type { SignalMask } from './signals/signal.js';
import type { SourceState } from './source-state.js';

/** Holds the book keeps running at most; beyond, sources are banned at once. */
export const MAX_HELD = 10_000;
/**
 * A held source trying more than this is banned at once: ssh asks for a password three times per connection
 * (NumberOfPasswordPrompts), so a person's one mistaken connection stays within it.
 */
const HOLD_ATTEMPTS = 3;
/** holdOf's answer while a source's ban is held. */
export const HOLDING = -1;

/**
 * Sources whose ban is held for a short while: those that would join a live campaign on the names they tried and
 * nothing else of their own. One try of a sprayed name (`ubuntu`, `admin`) is what a one-try bot shows, and also a
 * person who typed the wrong account name and logs in with the right one half a minute later; banned at once, that
 * person is locked out for the jail's bantime. Held, they log in first and are protected like any user. A bot loses
 * nothing by the wait: it tried once and left, or it tries again and is banned then (CampaignBook.consider).
 *
 * Holds start in time order (the detector's clock never goes backwards), so their ends come in the order they were
 * made: a queue gives the ones due, a map answers whether a source is held.
 */
export class HeldJoins {
  /** Source -> when its hold started. */
  private readonly since = new Map<string, number>();
  private queue: Array<[string, number]> = [];
  private head = 0;
  /** Holds not made because `max` were running: those sources were banned at once, as without holds. */
  full = 0;

  /** How long a hold lasts: names_alone_hold if set, else shared_name_hold; 0 holds nothing. */
  readonly hold: number;
  /** Whether joins on names alone are held (names_alone_hold set); joins on a loose name always are. */
  readonly namesAlone: boolean;

  constructor(
    namesAloneHold: number,
    sharedNameHold: number,
    /** Holds running at most: a flood of one-try addresses must not grow this without bound. */
    private readonly max: number,
    snapshot: ReadonlyArray<readonly [string, number]> = [],
  ) {
    // One length for every hold, so that holds end in the order they started (the queue below relies on it).
    this.namesAlone = namesAloneHold > 0;
    this.hold = this.namesAlone ? namesAloneHold : sharedNameHold;
    // Restored whatever the setting is now: a hold made under a longer names_alone_hold (or before it was turned
    // off) runs out at the first tick and its source is judged then, rather than forgotten unbanned.
    for (const [ip, started] of snapshot) {
      this.since.set(ip, started);
      this.queue.push([ip, started]);
    }
  }

  /**
   * Whether a source about to join is held (HOLDING), or how long it was held before this ban (ms), or undefined
   * when no hold is involved. Held: a join on a loose name (`loose`: banJoins said 'held'), and with names_alone_hold
   * a join on names alone (campaign-match.ts, namesOnly); only while the source has tried at most HOLD_ATTEMPTS
   * times: more evidence of its own, or more tries, bans it at once.
   */
  holdOf(source: SourceState, matched: SignalMask, now: number, loose = false): number | undefined {
    const started = this.startedAt(source.ip);
    const holdable = (loose || (this.namesAlone && namesOnly(matched))) && source.attempts <= HOLD_ATTEMPTS;
    if (started === undefined) return holdable && this.start(source.ip, now) ? HOLDING : undefined;
    return holdable && now - started <= this.hold ? HOLDING : now - started;
  }

  /** When the hold of `ip` started, if it is held. */
  startedAt(ip: string): number | undefined {
    return this.since.get(ip);
  }

  /** Holds `ip` from `now`; false when holds are off or `max` are running (the caller bans at once). */
  start(ip: string, now: number): boolean {
    if (this.hold <= 0) return false;
    if (this.since.has(ip)) return true;
    if (this.since.size >= this.max) {
      this.full++;
      return false;
    }
    this.since.set(ip, now);
    this.queue.push([ip, now]);
    return true;
  }

  /** Ends the hold of `ip` (banned, or logged in). */
  release(ip: string): void {
    this.since.delete(ip);
  }

  /**
   * The sources whose hold has run out by `now` (ended before it: see nextEnd): the caller judges each again (the
   * judge sees the hold over and bans, with how long it was held) and then releases it.
   */
  due(now: number): string[] | undefined {
    let out: string[] | undefined;
    while (this.head < this.queue.length) {
      const [ip, started] = this.queue[this.head]!;
      if (started + this.hold >= now) break;
      this.head++;
      // An entry of a hold released since (or started again later) is stale: the map has another start or none.
      if (this.since.get(ip) !== started) continue;
      out ??= [];
      out.push(ip);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /**
   * The end of the hold that ends first, undefined when none runs. The end is the hold's last instant: a login
   * stamped then spares its source (classic syslog stamps are whole seconds, so a login half a second before the end
   * may be stamped at it), and a time past it ends the hold. Stale entries met at the head are dropped, as due() would.
   */
  nextEnd(): number | undefined {
    while (this.head < this.queue.length) {
      const [ip, started] = this.queue[this.head]!;
      if (this.since.get(ip) === started) return started + this.hold;
      this.head++;
    }
    return undefined;
  }

  get size(): number {
    return this.since.size;
  }

  /** Running holds, oldest first (plain JSON for the state file). */
  snapshot(): Array<[string, number]> {
    return [...this.since];
  }
}
