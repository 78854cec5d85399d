import type { Fail2banEvent } from './fail2ban-log.js';

/** What became of one BAN verdict in fail2ban, as far as its log tells. */
export type BanOutcome =
  | { readonly status: 'banned'; readonly at: number; readonly delay: number; readonly restored: boolean }
  | { readonly status: 'already-banned'; readonly since: number }
  | {
      readonly status: 'not-banned';
      readonly why: 'ignoreip' | 'expired' | 'other-jail' | 'fail2ban-down' | 'no-fail2ban-log' | 'unknown';
      readonly detail: string;
    };

/** fail2ban's log and its verdict-log clock may disagree by rounding and polling: this much early is still a match. */
const EARLY = 2_000;

/**
 * fail2ban's log, indexed for the questions the audit asks about one jail: was this address banned after this
 * time, was it already banned (here or in another jail), ignored, or was fail2ban not running.
 */
export class Fail2banHistory {
  private readonly byIp = new Map<string, Fail2banEvent[]>();
  private readonly consumed = new Set<Fail2banEvent>();
  /** [start, end] times the jail was running; end is Infinity while it still runs at the end of the log. */
  readonly uptime: Array<[number, number]> = [];
  readonly first: number | null;
  readonly last: number | null;

  constructor(
    events: readonly Fail2banEvent[],
    readonly jail: string,
    /** How long after a BAN verdict a fail2ban Ban still counts as its answer (the jail's findtime). */
    private readonly window: number,
    /**
     * The earliest event of the whole log when `events` holds only some addresses' (`--ip`): the log covers the
     * time from there, and the jail was running from there if its first state change is a stop.
     */
    coveredFrom?: number | null,
  ) {
    const earliest = events[0]?.time ?? null;
    this.first =
      coveredFrom === undefined || coveredFrom === null ? earliest : Math.min(coveredFrom, earliest ?? coveredFrom);
    this.last = events.at(-1)?.time ?? null;
    let upSince: number | null = null;
    let sawState = false;
    for (const e of events) {
      if (e.ip !== undefined) {
        let list = this.byIp.get(e.ip);
        if (!list) {
          list = [];
          this.byIp.set(e.ip, list);
        }
        list.push(e);
      }
      const start = e.type === 'jail-start' && e.jail === jail;
      const stop = (e.type === 'jail-stop' && e.jail === jail) || e.type === 'server-stop';
      if (!sawState && (start || stop || e.type === 'server-start')) {
        // A log that begins mid-run (rotated): the jail was up from its first line if the first state change is a stop.
        if (stop && this.first !== null) upSince = this.first;
        sawState = true;
      }
      if (start && upSince === null) upSince = e.time;
      if (stop && upSince !== null) {
        this.uptime.push([upSince, e.time]);
        upSince = null;
      }
    }
    if (!sawState && this.first !== null) upSince = this.first;
    if (upSince !== null) this.uptime.push([upSince, Number.POSITIVE_INFINITY]);
  }

  /** Every fail2ban event that names `ip`, in any jail. */
  eventsFor(ip: string): readonly Fail2banEvent[] {
    return this.byIp.get(ip) ?? [];
  }

  isUp(time: number): boolean {
    return this.uptime.some(([a, b]) => time >= a && time <= b);
  }

  /** Reconciles BAN verdicts in time order (each fail2ban Ban answers at most one verdict). */
  outcome(ip: string, time: number): BanOutcome {
    const events = this.eventsFor(ip);
    const until = time + this.window;
    const inWindow = (e: Fail2banEvent) => e.time >= time - EARLY && e.time <= until;
    const answer = events.find(
      (e) =>
        e.jail === this.jail && (e.type === 'ban' || e.type === 'restore-ban') && !this.consumed.has(e) && inWindow(e),
    );
    // Already banned at the verdict's time (by a Ban other than the one that may answer it): fail2ban said "already
    // banned", and a later Ban, after an unban, answers a later verdict (found in review: it was given to this one).
    const active = this.activeBan(events, time, (jail) => jail === this.jail, answer);
    if (active) return { status: 'already-banned', since: active.time };
    if (answer) {
      this.consumed.add(answer);
      const restored = answer.type === 'restore-ban';
      return { status: 'banned', at: answer.time, delay: Math.max(0, answer.time - time), restored };
    }
    const noticed = events.find((e) => e.jail === this.jail && e.type === 'already-banned' && inWindow(e));
    if (noticed) return { status: 'already-banned', since: noticed.time };
    const ignored = events.find((e) => e.jail === this.jail && e.type === 'ignore' && inWindow(e));
    if (ignored?.detail === 'expired bantime') {
      // `[jail] Ignore ADDR, expired bantime`: fail2ban read the verdict only when the ban it asked for would already
      // have ended (it was down or behind); nothing to do with ignoreip.
      const read = new Date(ignored.time).toISOString();
      return {
        status: 'not-banned',
        why: 'expired',
        detail: `fail2ban read it at ${read}, after the ban's end (Ignore ..., expired bantime)`,
      };
    }
    if (ignored) return { status: 'not-banned', why: 'ignoreip', detail: `fail2ban ignored it (${ignored.detail})` };
    const other = this.activeBan(events, time, (jail) => jail !== this.jail);
    if (other) {
      const since = new Date(other.time).toISOString();
      return { status: 'not-banned', why: 'other-jail', detail: `already banned by jail ${other.jail} since ${since}` };
    }
    const upAtEnd = this.uptime.at(-1)?.[1] === Number.POSITIVE_INFINITY;
    // fail2ban logs nothing while idle: past its last line, the log covers the time only if the jail was still up.
    if (this.first === null || time < this.first - EARLY) {
      return { status: 'not-banned', why: 'no-fail2ban-log', detail: "fail2ban's log does not cover this time" };
    }
    if (!this.uptime.some(([a, b]) => b >= time && a <= until)) {
      const stopped = this.uptime.at(-1)?.[1];
      const detail =
        !upAtEnd && stopped !== undefined && time > stopped
          ? `jail ${this.jail} stopped at ${new Date(stopped).toISOString()} and its log shows no restart since`
          : `jail ${this.jail} was not running at the time nor within ${Math.round(this.window / 60_000)} min after`;
      return { status: 'not-banned', why: 'fail2ban-down', detail };
    }
    return {
      status: 'not-banned',
      why: 'unknown',
      detail: `jail ${this.jail} was running but its log never names this address (check logpath and filter)`,
    };
  }

  /**
   * The jail's Bans from `from` on (to `until`) that answered no verdict: an address banned by hand (`banip`), by a
   * line fail2ban read that we did not write, or with no verdict left in the log. A `Restore Ban` at a restart
   * carries over a ban made earlier, so it is not one of them. Call after every verdict was reconciled.
   */
  unanswered(from: number, until = Number.POSITIVE_INFINITY): Fail2banEvent[] {
    const out: Fail2banEvent[] = [];
    for (const events of this.byIp.values()) {
      for (const e of events) {
        if (e.jail === this.jail && e.type === 'ban' && !this.consumed.has(e) && e.time >= from && e.time <= until)
          out.push(e);
      }
    }
    return out.sort((a, b) => a.time - b.time);
  }

  private activeBan(
    events: readonly Fail2banEvent[],
    time: number,
    jailMatches: (jail: string) => boolean,
    except?: Fail2banEvent,
  ) {
    const state = new Map<string, Fail2banEvent>();
    for (const e of events) {
      if (e.time > time + EARLY) break;
      if (e === except || e.jail === undefined || !jailMatches(e.jail)) continue;
      if (e.type === 'ban' || e.type === 'restore-ban') state.set(e.jail, e);
      else if (e.type === 'unban') state.delete(e.jail);
    }
    return [...state.values()][0] ?? null;
  }
}
