import type { YearInference } from './year-inference.js';

/** The parts of a log line in front of sshd's message. */
export interface LineHeader {
  /** Milliseconds since the epoch (UTC). */
  readonly time: number;
  readonly host?: string | undefined;
  readonly program: string;
  readonly pid?: number | undefined;
  readonly message: string;
}

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

// `Feb 15 14:23:12`, `2026-02-15T14:23:12.123456+01:00`, or `2026-02-15 14:23:12` (local time).
const TRADITIONAL = /^([A-Z][a-z]{2}) ([ \d]?\d) (\d\d):(\d\d):(\d\d) $/;
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) /;
const BARE = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:[.,]\d+)? /;
// After the timestamp: an optional host, then sshd's program name with an optional pid. Solaris and old BSD
// syslogs write `[sshd]:`. The program names are those of OpenSSH 8.x to 10.x (sshd-session/sshd-auth since 9.8).
// A host is tried first: in `sshd sshd[7]: ` the first `sshd` is a host so named, not a program without a pid.
const PROGRAM = /(?:(\S+) )?(?:(sshd|sshd-session|sshd-auth)(?:\[(\d+)\])?|\[(sshd)\]):? /y;
// RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID STRUCTURED-DATA MSG` (rsyslog's SyslogProtocol23Format).
const NON_BLANK = /^\S+$/;
/** Pids read by hand (Linux's pid_max is at most 2^22); a longer run of digits is left to PROGRAM and Number(). */
const MAX_PID_DIGITS = 9;
const RFC5424 = /^<\d{1,3}>1 (\S+) (\S+) (sshd|sshd-session|sshd-auth) (\S+) \S+ /;

/**
 * Splits a syslog-style line. Keeps one cache entry per timestamp text: a busy log repeats the same second
 * thousands of times and date arithmetic is the costliest part of a line.
 */
export class HeaderReader {
  private lastStamp = '';
  private lastTime = 0;
  private lastHost = '';
  /**
   * The last line's header up to its pid, `<stamp> <host> sshd[`, when readCommonProgram read it with a stamp the
   * line before had too: a dozen lines a second share one (a busy log, one host), and finding it at the start of a
   * line is one search, where the stamp, the host and the program apart cost ~5% of the parser's instructions more.
   * Kept only for a repeated stamp: where every stamp is new (RFC 3339 with microseconds, rsyslog's default on
   * Debian 12), looking for it and keeping it cost ~6% more instead. Forgotten with its stamp (remember), so its
   * time is always lastTime; its host is kept, since a later line of the same stamp may name another.
   */
  private lastPrefix = '';
  private prefixHost = '';

  constructor(private readonly years: YearInference) {}

  read(line: string): LineHeader | null {
    if (this.lastPrefix.length !== 0 && line.indexOf(this.lastPrefix) === 0) {
      const header = this.readPid(line, this.lastPrefix.length, this.lastTime, this.prefixHost);
      if (header !== null) return header;
    }
    const c = line.charCodeAt(0);
    if (c === 0x3c /* < */) return this.readRfc5424(line);
    let time: number;
    let at: number;
    let repeated: boolean;
    if (c >= 0x30 && c <= 0x39) {
      const rfc = RFC3339.exec(line);
      if (rfc) {
        repeated = rfc[1] === this.lastStamp;
        time = repeated ? this.lastTime : this.remember(rfc[1]!, parseRfc3339(rfc[1]!));
        at = rfc[0].length;
      } else {
        const bare = BARE.exec(line);
        if (!bare) return null;
        repeated = bare[0] === this.lastStamp;
        time = repeated
          ? this.lastTime
          : this.remember(
              bare[0],
              this.years.resolveDated(+bare[1]!, +bare[2]! - 1, +bare[3]!, +bare[4]!, +bare[5]!, +bare[6]!),
            );
        at = bare[0].length;
      }
    } else {
      // `Feb 15 14:23:12 ` and `Feb  5 14:23:12 ` are both 16 characters (some syslogs write `Feb 5`, 15):
      // most lines repeat the previous stamp, so compare before parsing.
      at = line.charCodeAt(5) === 0x20 ? 15 : 16;
      // Looked for rather than compared: === on a slice of the line goes to the runtime, and startsWith becomes a
      // loop over both strings' characters; indexOf compares as memcmp does (2.4x faster than ===).
      repeated = this.lastStamp.length === at && line.indexOf(this.lastStamp) === 0;
      if (repeated) time = this.lastTime;
      else {
        // Lines of other programs (cron, sudo, systemd-logind share auth.log) stay away from the year inference,
        // which follows sshd's own lines. Asked only here, for a new stamp, and before PROGRAM below: the common
        // `<host> sshd[<pid>]: ` of a stamp already seen says it already (the search was ~2% of the parser).
        if (!line.includes('sshd')) return null;
        const stamp = line.slice(0, at);
        const trad = TRADITIONAL.exec(stamp);
        const month = trad ? MONTHS[trad[1]!] : undefined;
        if (!trad || month === undefined) return null;
        time = this.remember(stamp, this.years.resolve(month, +trad[2]!, +trad[3]!, +trad[4]!, +trad[5]!));
      }
    }
    if (Number.isNaN(time)) return null;
    return (
      this.readCommonProgram(line, at, time, repeated) ?? (line.includes('sshd') ? readProgram(line, at, time) : null)
    );
  }

  /**
   * `<host> sshd[<pid>]: `, the form of nearly every line, read without PROGRAM's expression (a third of the
   * header's cost on the bench), or null for readProgram to decide; it must agree with readProgram wherever it
   * answers (test/parse/syslog-header.property.test.ts). A log has one host or a few: the previous line's host
   * string is kept, so the same text is not validated again.
   */
  private readCommonProgram(line: string, at: number, time: number, repeated: boolean): LineHeader | null {
    const space = line.indexOf(' ', at);
    if (space <= at || !isSshdBracket(line, space + 1)) return null;
    let host = line.slice(at, space);
    if (host === this.lastHost) host = this.lastHost;
    else {
      // A host that could be a program name, or that is not \S+: leave those cases to PROGRAM.
      if (!NON_BLANK.test(host) || host.startsWith('sshd') || host.startsWith('[sshd]')) return null;
      this.lastHost = host;
    }
    const digits = space + 6;
    const header = this.readPid(line, digits, time, host);
    if (header !== null && repeated) {
      this.lastPrefix = line.slice(0, digits);
      this.prefixHost = host;
    }
    return header;
  }

  /** The pid at `digits` and what follows it, `]: ` or `] ` (as PROGRAM's `:? ` takes them), then the message. */
  private readPid(line: string, digits: number, time: number, host: string): LineHeader | null {
    let i = digits;
    let pid = 0;
    for (; i < digits + MAX_PID_DIGITS; i++) {
      const c = line.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      pid = pid * 10 + c - 0x30;
    }
    if (i === digits || line.charCodeAt(i) !== 0x5d /* ] */) return null;
    const colon = line.charCodeAt(i + 1) === 0x3a;
    if (line.charCodeAt(colon ? i + 2 : i + 1) !== 0x20) return null;
    return { time, host, program: 'sshd', pid, message: line.slice(colon ? i + 3 : i + 2) };
  }

  private readRfc5424(line: string): LineHeader | null {
    const m = RFC5424.exec(line);
    if (!m) return null;
    const time = parseRfc3339(m[1]!);
    if (Number.isNaN(time)) return null;
    let message = skipStructuredData(line, m[0].length);
    if (message === null) return null;
    // RFC 5424 6.4: MSG-UTF8 starts with a byte order mark.
    if (message.charCodeAt(0) === 0xfeff) message = message.slice(1);
    return header(time, m[2] === '-' ? undefined : m[2], m[3]!, /^\d+$/.test(m[4]!) ? m[4] : undefined, message);
  }

  private remember(stamp: string, time: number): number {
    this.lastStamp = stamp;
    this.lastTime = time;
    this.lastPrefix = '';
    return time;
  }
}

/** The host, program and pid at `at` in every form PROGRAM knows, and the message after them. */
export function readProgram(line: string, at: number, time: number): LineHeader | null {
  PROGRAM.lastIndex = at;
  const prog = PROGRAM.exec(line);
  if (!prog) return null;
  return header(time, prog[1], prog[2] ?? prog[4]!, prog[3], line.slice(PROGRAM.lastIndex));
}

function header(
  time: number,
  host: string | undefined,
  program: string,
  pid: string | undefined,
  message: string,
): LineHeader {
  return { time, host, program, pid: pid === undefined ? undefined : Number(pid), message };
}

/** `sshd[` at `i`, compared by code: startsWith at an offset costs several times more here. */
function isSshdBracket(line: string, i: number): boolean {
  return (
    line.charCodeAt(i) === 0x73 &&
    line.charCodeAt(i + 1) === 0x73 &&
    line.charCodeAt(i + 2) === 0x68 &&
    line.charCodeAt(i + 3) === 0x64 &&
    line.charCodeAt(i + 4) === 0x5b
  );
}

/** Skips RFC 5424 structured data (`-` or `[id k="v"]...`, where `\]` and `\"` may appear inside values). */
function skipStructuredData(line: string, at: number): string | null {
  if (line.startsWith('- ', at)) return line.slice(at + 2);
  let i = at;
  while (line[i] === '[') {
    let quoted = false;
    for (i++; i < line.length; i++) {
      const c = line[i];
      if (c === '\\') i++;
      else if (c === '"') quoted = !quoted;
      else if (c === ']' && !quoted) break;
    }
    if (i >= line.length) return null;
    i++;
  }
  return line[i] === ' ' ? line.slice(i + 1) : null;
}

/** RFC 3339 with any number of fraction digits (rsyslog writes microseconds); Date.parse wants at most three. */
export function parseRfc3339(text: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/.exec(text);
  if (!m) return Number.NaN;
  const zone = m[3] === 'Z' ? 'Z' : `${m[3]!.slice(0, 3)}:${m[3]!.slice(-2)}`;
  const ms = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  return Date.parse(`${m[1]}.${ms}${zone}`);
}
