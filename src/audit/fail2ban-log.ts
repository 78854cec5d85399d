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

/** Local midnight-to-hour conversions are slow (time zone rules): cache the epoch of each `YYYY-MM-DD HH` seen. */
const hourCache = new Map<string, number>();

function localHour(line: string): number {
  const key = line.slice(0, 13);
  let hour = hourCache.get(key);
  if (hour === undefined) {
    hour = new Date(
      Number(key.slice(0, 4)),
      Number(key.slice(5, 7)) - 1,
      Number(key.slice(8, 10)),
      Number(key.slice(11, 13)),
    ).getTime();
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

/**
 * Reads one line of fail2ban's own log (`2026-02-15 14:23:12,345 fail2ban.actions [123]: NOTICE  [jail] Ban 1.2.3.4`,
 * the format of fail2ban 0.10 to 1.1). Lines the audit has no use for give null.
 */
export function readFail2banLine(line: string): Fail2banEvent | null {
  if (!USEFUL.test(line)) return null;
  const head = HEAD.exec(line);
  if (!head) return null;
  // DST is ignored within an hour: the fall-back hour is read once, as its first occurrence.
  const time = localHour(line) + Number(head[5]) * 60_000 + Number(head[6]) * 1000 + Number(head[7]);
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
      if (m) return m[2] ? { time, type, jail, ip: m[1]!, detail: m[2] } : { time, type, jail, ip: m[1]! };
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
