/**
 * The layout of a source's record in SourceRecords' two typed arrays: which numeric fields there are, which array
 * keeps each, and where the attempt-time, name and interval histories sit. Apart from the records and their views
 * (source-state.ts): snapshots (source-snapshot.ts), the settings (predictable-sources.ts) and bench/memory.mjs read
 * the field lists, history sizes and record size without them.
 */

/**
 * The numeric fields, by where their record keeps them. Doubles: times in ms and values not bounded to 32 bits (an
 * order key, a findtime window index, a lifetime). 32-bit integers: counters, small indexes, a bitmask.
 * Meaning of the fields (SourceState's properties):
 * - first, last: first and last event time (ms);
 * - attempts: failed authentication attempts (sum of event counts); unknown: those for a username that does not
 *   exist here (sshd's `invalid user`); probes: connections that ended before any attempt; events: probes plus
 *   events carrying attempts (what synchrony compares its in-burst count with);
 * - syncEvents, bursts, lastBurst: events inside a site-wide burst, distinct bursts, the last one (-1 none);
 * - orderKey, ascRun: order key of the last name tried (-1 none) and the run of ascending names (ordered walk);
 * - win, winCount, windows, winMax: fail2ban findtime window index (-1 none), failures in it as fail2ban counts
 *   them (fail2ban-count.ts), windows with failures, most in one (persistence);
 * - rhythm: rhythm bucket indexed under (-1 none); lifetime: last connection lifetime from the socket samples
 *   (ms, -1 none); surgeMinute: minute last counted by the surge test (-1 none);
 * - attemptsAtSuccess: attempts when the source last logged in, or when it first failed after a login from its IPv6
 *   /64 (an override of the protection counts after: never-ban.ts, attemptsSince);
 * - bannedAt: last ban of this member (-1 never); learned: signals (bitmask by SIGNALS index) it taught its campaign;
 * - slipped: 1 when it tried a name one slip from a real user's (a user mistyping their own name reads so);
 * - visit, visitConn: start of its latest visit (a connection: a probe, or the first attempt of a connection; -1
 *   none) and the connection's key (sshd's pid, else the port; -1 none); gaps: the intervals between its last
 *   visits; predictable: 1 when it keeps a schedule of its own, 2 when it keeps one in step with bursts
 *   (predictable-sources.ts).
 */
export const F64_FIELDS = [
  'first',
  'last',
  'lastBurst',
  'bannedAt',
  'orderKey',
  'win',
  'lifetime',
  'visit',
  'visitConn',
] as const;
export const I32_FIELDS = [
  'attempts',
  'unknown',
  'probes',
  'events',
  'syncEvents',
  'bursts',
  'ascRun',
  'winCount',
  'windows',
  'winMax',
  'rhythm',
  'surgeMinute',
  'attemptsAtSuccess',
  'learned',
  'slipped',
  'predictable',
] as const;
export type NumericField = (typeof F64_FIELDS)[number] | (typeof I32_FIELDS)[number];

export const MAX_TIMES = 6;
export const MAX_NAMES = 8;
/** Intervals between visits kept (predictable-sources.ts): enough for a median that ignores a missed probe or two. */
export const MAX_GAPS = 8;
/** The longest interval kept (ms, ~24.8 days): they are 32-bit integers. */
export const GAP_CAP = 0x7fffffff;
/**
 * A record: the doubles then the attempt times; the integers, the two history lengths, the name hashes, then the
 * length of the interval history and the intervals.
 */
export const F_TIMES = F64_FIELDS.length;
export const F_STRIDE = F_TIMES + MAX_TIMES;
export const I_TIMES_LEN = I32_FIELDS.length;
export const I_NAMES_LEN = I_TIMES_LEN + 1;
export const I_NAMES = I_NAMES_LEN + 1;
export const I_GAPS_LEN = I_NAMES + MAX_NAMES;
export const I_GAPS = I_GAPS_LEN + 1;
export const I_STRIDE = I_GAPS + MAX_GAPS;
/** Bytes of one record (bench/memory.mjs adds them to the heap the rest of a source takes). */
export const RECORD_BYTES = F_STRIDE * 8 + I_STRIDE * 4;
