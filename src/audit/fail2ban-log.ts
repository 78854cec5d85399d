import { canonicalAddress } from './address-form.js';

/** What the audit needs from one fail2ban log line. */
export type Fail2banEventType =
  | 'ban'
  | 'restore-ban'
  | 'reban'
  | 'unban'
  | 'already-banned'
  | 'ignore'
  | 'server-start'
  | 'server-stop'
  | 'jail-start'
  | 'jail-stop';

export interface Fail2banEvent {
  /** Milliseconds since the epoch; fail2ban writes local time, read in this process's time zone. */
  readonly time: number;
  readonly type: Fail2banEventType;
  readonly jail?: string;
  readonly ip?: string;
  /** For `ignore`: how fail2ban matched it (`ip`, `dns`, `command`, `expired bantime`). */
  readonly detail?: string;
}

const HEAD = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) fail2ban\.[\w.]+\s*\[\d+\]: [A-Z]+\s+(.*)$/;
const JAILED = /^\[([^\]]+)\] (.*)$/;
const ADDRESS = '([0-9A-Fa-f:.]+)';
const JAIL_MESSAGES: ReadonlyArray<readonly [RegExp, Fail2banEventType]> = [
  [new RegExp(`^Ban ${ADDRESS}$`), 'ban'],
  [new RegExp(`^Restore Ban ${ADDRESS}$`), 'restore-ban'],
  [new RegExp(`^Reban ${ADDRESS}`), 'reban'],
  [new RegExp(`^Unban ${ADDRESS}$`), 'unban'],
  [new RegExp(`^${ADDRESS} already banned$`), 'already-banned'],
  [new RegExp(`^Ignore ${ADDRESS}(?: by |, )(.*)$`), 'ignore'],
];

/** Words one of the lines we use contains; anything else (Found, option dumps, ...) is skipped before any regex. */
const USEFUL = /Ban |Unban |already banned|Ignore |Fail2ban|Jail '/;

/**
 * A local `YYYY-MM-DD HH` as the epoch of its first occurrence, and, for the hour a DST change sets the clocks back
 * through, how much later the same wall-clock times come round again (0 for every other hour).
 */
interface LocalHour {
  readonly start: number;
  readonly repeat: number;
}

/** Local hour-to-epoch conversions are slow (time zone rules): cache each `YYYY-MM-DD HH` seen. */
const hourCache = new Map<string, LocalHour>();

function localHour(line: string): LocalHour {
  const key = line.slice(0, 13);
  let hour = hourCache.get(key);
  if (hour === undefined) {
    // An hour that happens twice is read as its first occurrence (ECMAScript's rule).
    const start = new Date(
      Number(key.slice(0, 4)),
      Number(key.slice(5, 7)) - 1,
      Number(key.slice(8, 10)),
      Number(key.slice(11, 13)),
    ).getTime();
    // getTimezoneOffset is minutes west of UTC: it grows when the clocks go back.
    const back = new Date(start + 3_600_000).getTimezoneOffset() - new Date(start).getTimezoneOffset();
    hour = { start, repeat: back > 0 ? back * 60_000 : 0 };
    if (hourCache.size > 100_000) hourCache.clear();
    hourCache.set(key, hour);
  }
  return hour;
}

/** Jail names repeat on every line: one string each instead of one per event. */
const jails = new Map<string, string>();
function intern(jail: string): string {
  let known = jails.get(jail);
  if (known === undefined) {
    known = Buffer.from(jail, 'utf8').toString('utf8');
    if (jails.size < 1000) jails.set(jail, jail);
  }
  return known;
}

/** fail2ban's threads may log a few milliseconds out of order: that much backwards is not a clock going back. */
const REORDER = 1_000;

/**
 * Reads one line of fail2ban's own log (`2026-02-15 14:23:12,345 fail2ban.actions [123]: NOTICE  [jail] Ban 1.2.3.4`,
 * the format of fail2ban 0.10 to 1.1). Lines the audit has no use for give null.
 *
 * `previous` is the time of the line before (lines are read in the order fail2ban wrote them): in the hour that
 * happens twice when DST ends, a stamp that would go back past it is the second occurrence. Without a line before
 * in that hour the first occurrence is assumed.
 */
export function readFail2banLine(line: string, previous = Number.NEGATIVE_INFINITY): Fail2banEvent | null {
  if (!USEFUL.test(line)) return null;
  const head = HEAD.exec(line);
  if (!head) return null;
  const hour = localHour(line);
  const minutes = Number(head[5]);
  let time = hour.start + minutes * 60_000 + Number(head[6]) * 1000 + Number(head[7]);
  if (hour.repeat > 0 && time < previous - REORDER) {
    // The same wall-clock time once the clocks went back, if it exists (a 30-minute change repeats half the hour).
    const again = new Date(time + hour.repeat);
    if (again.getHours() === Number(head[4]) && again.getMinutes() === minutes) time += hour.repeat;
  }
  return readFail2banMessage(time, head[8]!);
}

/**
 * Reads the message part of a fail2ban log record (what follows the level: `[jail] Ban 1.2.3.4`, `Exiting Fail2ban`),
 * at a time the caller already knows: the file's local-time stamp or the journal's UTC one. One grammar for both.
 */
export function readFail2banMessage(time: number, text: string): Fail2banEvent | null {
  if (!USEFUL.test(text)) return null;
  const message = text.trimEnd();
  const jailed = JAILED.exec(message);
  if (jailed) {
    const jail = intern(jailed[1]!);
    for (const [pattern, type] of JAIL_MESSAGES) {
      const m = pattern.exec(jailed[2]!);
      if (!m) continue;
      // fail2ban prints an IPv4-compatible IPv6 address with a dotted tail (glibc's inet_ntop: `::192.0.2.1`), where
      // the verdict line has `::c000:201`: one form for both. Plain addresses are already canonical.
      const ip = m[1]!.includes(':') && m[1]!.includes('.') ? canonicalAddress(m[1]!) : m[1]!;
      return m[2] ? { time, type, jail, ip, detail: m[2] } : { time, type, jail, ip };
    }
    return null;
  }
  if (message.startsWith('Starting Fail2ban')) return { time, type: 'server-start' };
  if (message === 'Exiting Fail2ban') return { time, type: 'server-stop' };
  const jailState = /^Jail '([^']+)' (started|stopped)$/.exec(message);
  if (jailState)
    return { time, type: jailState[2] === 'started' ? 'jail-start' : 'jail-stop', jail: intern(jailState[1]!) };
  return null;
}
