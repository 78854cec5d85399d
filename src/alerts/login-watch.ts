/** A suspicious login whose aftermath is being watched for lateral movement. */
export interface LoginWatch {
  readonly start: number;
  end: number;
  /** The latest login of the same source, campaign and user that extended the watch (absent: only `start`). */
  last?: number;
  readonly ip: string;
  readonly user: string;
  readonly campaign: string;
  /**
   * `remote_ip|remote_port|reason` already alerted under this watch: one alert per destination and reason, and at
   * most MAX_WATCH_ALERTS of them.
   */
  readonly alerted: string[];
}

/** Most watches kept at once; the oldest go first (a flood of compromise logins must not grow memory). */
const MAX_WATCHES = 64;

/**
 * Most lateral alerts one watch writes: an intruder's connect scan of a /16 would otherwise write an alert (and keep
 * a key) per address. The alert that reaches it says so (`limit=`); the rest are only counted.
 */
export const MAX_WATCH_ALERTS = 256;

/** The watches of one host, newest last. */
export class LoginWatches {
  private watches: LoginWatch[];

  constructor(snapshot?: readonly LoginWatch[]) {
    this.watches = snapshot ? snapshot.map((w) => ({ ...w, alerted: [...w.alerted] })) : [];
  }

  /** Starts (or, for the same source, campaign and user, extends) a watch; returns it. */
  open(start: number, window: number, ip: string, user: string, campaign: string): LoginWatch {
    const same = this.running(start, ip, user, campaign);
    if (same) {
      same.end = Math.max(same.end, start + window);
      if (start > same.start) same.last = Math.max(same.last ?? start, start);
      return same;
    }
    const watch: LoginWatch = { start, end: start + window, ip, user, campaign, alerted: [] };
    this.watches.push(watch);
    if (this.watches.length > MAX_WATCHES) this.watches.shift();
    return watch;
  }

  /** The oldest watch of the same source, campaign and user still running at `start`, or undefined. */
  private running(start: number, ip: string, user: string, campaign: string): LoginWatch | undefined {
    // A loop, not find(): every compromise alert opens a watch, and a callback would be an object each time.
    const watches = this.watches;
    for (let i = 0; i < watches.length; i++) {
      const w = watches[i]!;
      if (w.ip === ip && w.campaign === campaign && w.user === user && w.end >= start) return w;
    }
    return undefined;
  }

  /** The newest watch covering a connection first seen at `time` (strictly after the login), or null. */
  covering(time: number): LoginWatch | null {
    for (let i = this.watches.length - 1; i >= 0; i--) {
      const w = this.watches[i]!;
      if (time > w.start && time <= w.end) return w;
    }
    return null;
  }

  /** Drops watches that ended before `now`. */
  expire(now: number): void {
    this.watches = this.watches.filter((w) => w.end >= now);
  }

  /** When the oldest watch kept began (none: Infinity). */
  oldestStart(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const w of this.watches) oldest = Math.min(oldest, w.start);
    return oldest;
  }

  get active(): readonly LoginWatch[] {
    return this.watches;
  }
}

/** The login a connection first seen at `time` followed: the watch's latest login before it. */
export function loginBefore(watch: LoginWatch, time: number): number {
  return watch.last !== undefined && watch.last < time ? watch.last : watch.start;
}
