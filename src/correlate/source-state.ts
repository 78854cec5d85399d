/**
 * What the detector remembers about one remote address. A plain object of numbers and short arrays (no attacker
 * text: usernames are kept as hashes), so it serialises as is and costs a few hundred bytes (bench/memory.mjs).
 */
export interface SourceState {
  ip: string;
  /** First and last event time (ms). */
  first: number;
  last: number;
  /** Failed authentication attempts counted (sum of event counts). */
  attempts: number;
  /** Of those, attempts for a username that does not exist on this host (sshd's `invalid user`). */
  unknown: number;
  /** Connections that ended before any authentication attempt. */
  probes: number;
  /** Probes plus events carrying attempts: what synchrony compares its in-burst count with. */
  events: number;
  /** Events (probes and attempts) that fell inside a site-wide burst, and how many distinct bursts they were in. */
  syncEvents: number;
  bursts: number;
  lastBurst: number;
  /** The last few distinct attempt times, oldest first (rhythm). */
  times: number[];
  /** The last few distinct username hashes tried, oldest first (dictionary). */
  names: number[];
  /** Order key of the last name tried and the length of the current run of ascending names (ordered walk). */
  orderKey: number;
  ascRun: number;
  /**
   * fail2ban findtime windows: the current window index, failures in it as fail2ban counts them (fail2ban-count.ts),
   * windows with failures, most in one.
   */
  win: number;
  winCount: number;
  windows: number;
  winMax: number;
  /** Rhythm bucket the source is indexed under, -1 for none. */
  rhythm: number;
  /** Last observed connection lifetime (ms) from the socket samples, -1 for none. */
  lifetime: number;
  /** Minute index in which the source was last counted by the site-wide surge test. */
  surgeMinute: number;
  /** Attempts counted when the source last logged in successfully (override of the protection counts after). */
  attemptsAtSuccess: number;
  /** Campaign this source was made a member of ('' for none), and when it was last banned (-1 never). */
  campaign: string;
  bannedAt: number;
  /** Signals (bitmask by SIGNALS index) this member has already taught its campaign. */
  learned: number;
}

export const MAX_TIMES = 6;
export const MAX_NAMES = 8;

export function newSource(ip: string, time: number): SourceState {
  return {
    ip,
    first: time,
    last: time,
    attempts: 0,
    unknown: 0,
    probes: 0,
    events: 0,
    syncEvents: 0,
    bursts: 0,
    lastBurst: -1,
    times: [],
    names: [],
    orderKey: -1,
    ascRun: 0,
    win: -1,
    winCount: 0,
    windows: 0,
    winMax: 0,
    rhythm: -1,
    lifetime: -1,
    surgeMinute: -1,
    attemptsAtSuccess: 0,
    campaign: '',
    bannedAt: -1,
    learned: 0,
  };
}

/**
 * A short history with `value` appended and the oldest dropped beyond `max`: in place once full, else as a new
 * exact-size array. Callers keep the returned array.
 */
export function appendCapped(list: number[], value: number, max: number): number[] {
  // In place: this runs for every attempt, and snapshots copy the arrays anyway.
  if (list.length === max) {
    // Full (the usual case for an active source): shift by one rather than splice, which allocates what it drops.
    for (let i = 1; i < max; i++) list[i - 1] = list[i]!;
    list[max - 1] = value;
    return list;
  }
  // Growing: a new array of exactly one more slot (concat allocates exactly; push would give 17 slots, which for
  // 100,000 sources was a third of the detector's heap).
  const grown = list.concat(value);
  if (grown.length > max) grown.splice(0, grown.length - max);
  return grown;
}
