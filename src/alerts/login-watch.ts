/** A suspicious login whose aftermath is being watched for lateral movement. */
export interface LoginWatch {
  readonly start: number;
  end: number;
  readonly ip: string;
  readonly user: string;
  readonly campaign: string;
  /** `remote_ip|remote_port|reason` already alerted under this watch: one alert per destination and reason. */
  readonly alerted: string[];
}

/** Most watches kept at once; the oldest go first (a flood of compromise logins must not grow memory). */
const MAX_WATCHES = 64;

/** The watches of one host, newest last. */
export class LoginWatches {
  private watches: LoginWatch[];

  constructor(snapshot?: readonly LoginWatch[]) {
    this.watches = snapshot ? snapshot.map((w) => ({ ...w, alerted: [...w.alerted] })) : [];
  }

  /** Starts (or, for the same source and campaign, extends) a watch. */
  open(start: number, window: number, ip: string, user: string, campaign: string): void {
    const same = this.watches.find((w) => w.ip === ip && w.campaign === campaign && w.end >= start);
    if (same) {
      same.end = Math.max(same.end, start + window);
      return;
    }
    this.watches.push({ start, end: start + window, ip, user, campaign, alerted: [] });
    if (this.watches.length > MAX_WATCHES) this.watches.shift();
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

  get active(): readonly LoginWatch[] {
    return this.watches;
  }
}
