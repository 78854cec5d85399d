import type { AuthEvent } from '../core/auth-event.js';
import { cutText } from '../core/cut-text.js';
import { dottedQuadNumber, ipv4Address, otherAddress, type RemoteAddress, UNSPECIFIED } from './address.js';
import { type ConnectionSnapshot, ConnectionTracker } from './connection-tracker.js';
import { ParseStats, type SkipReason } from './parse-stats.js';
import { CUT, classifySshdMessage } from './sshd-message.js';
import { AMBIGUOUS } from './sshd-origin.js';
import { HeaderReader } from './syslog-header.js';
import { YearInference } from './year-inference.js';

/** sshd cuts its messages at 500 bytes (SSHD_SYSLOG_MAX), rsyslog at 8 kB. Longer lines are counted and skipped. */
export const MAX_LINE_LENGTH = 16_384;
/** Usernames are kept for the dictionary signals; longer ones are cut (sshd itself logs at most 100 bytes). */
const MAX_USER_LENGTH = 256;

export interface SshdParserOptions {
  /**
   * Anchors year inference for `Feb 15 14:23:12` stamps: the file's mtime in replay, the clock live. A function is
   * read when the first such line comes (live, a parser made before New Year may see its first line after it).
   */
  readonly referenceTime: number | (() => number);
  /**
   * The time to give a line with no timestamp and no program name, as `sshd -E FILE` writes them. Without this
   * option such lines are not sshd's (auth.log is shared with other programs) and are skipped.
   */
  readonly fallbackTime?: () => number;
}

export interface SshdMessage {
  readonly time: number;
  readonly program: string;
  readonly pid?: number | undefined;
  readonly host?: string | undefined;
  readonly message: string;
}

/** One sshd log line in, one normalised event (or nothing, counted in `stats`) out. */
export class SshdParser {
  readonly stats = new ParseStats();
  private readonly headers: HeaderReader;
  private readonly tracker: ConnectionTracker;
  /**
   * The last IPv4 address read: half the lines of a busy log name the address of the line before (a connection's
   * lines come together). Its event gets the same string, not a new copy of the same text: that is a copy less, and
   * whoever compares or hashes the two strings next (replay's batch columns, the detector's tables) finds them
   * identical at once instead of comparing their characters.
   */
  private lastQuad = -1;
  private lastIPv4: RemoteAddress | null = null;

  /** `snapshot` is a previous `snapshot()`: the live service resumes a connection's pairing across a restart. */
  constructor(
    private readonly options: SshdParserOptions,
    snapshot?: unknown,
  ) {
    this.headers = new HeaderReader(new YearInference(options.referenceTime));
    const connections = (snapshot as { connections?: unknown } | undefined)?.connections;
    this.tracker = new ConnectionTracker(Array.isArray(connections) ? (connections as ConnectionSnapshot) : []);
  }

  /** JSON-serialisable memory of open connections (which announced try awaits its `Failed` line). */
  snapshot(): { connections: ConnectionSnapshot } {
    return { connections: this.tracker.snapshot() };
  }

  parseLine(raw: string): AuthEvent | null {
    this.stats.lines++;
    if (raw.length > MAX_LINE_LENGTH) {
      // sshd writes at most 500 bytes (1021 with -E), so a line this long was cut or forged on its way: its end,
      // where the address belongs, cannot be trusted to be sshd's. (Shorter messages sshd cut: classifySshdMessage.)
      return this.skip('too-long');
    }
    const line = raw.charCodeAt(raw.length - 1) === 0x0d /* \r */ ? raw.slice(0, -1) : raw;
    const header = this.headers.read(line);
    if (header === null) {
      if (this.options.fallbackTime === undefined) return this.skip('not-sshd');
      return this.event({ time: this.options.fallbackTime(), program: 'sshd', message: line });
    }
    return this.event(header);
  }

  /** For sources that give the fields apart (the journal): the message text without any header. */
  parseMessage(message: SshdMessage): AuthEvent | null {
    this.stats.lines++;
    return this.event(message);
  }

  private event(header: SshdMessage): AuthEvent | null {
    const match = classifySshdMessage(header.message);
    if (match === AMBIGUOUS) return this.skip('ambiguous');
    if (match === CUT) return this.skip('too-long');
    if (match === null) return this.skip('unrecognised');
    if (match.addr === undefined || match.role === 'none') return this.skip('no-event');
    const address = this.address(match.addr);
    if (address === null) return this.skip('bad-address');
    const pid = match.pid ?? header.pid;
    const counted = this.tracker.account(header.host, pid, match, address.ip, address.bannable, address.quad);
    if (counted === null) return this.skip('no-event');

    const event: AuthEvent = {
      time: header.time,
      kind: counted.kind,
      reason: match.reason === 'other' ? 'failed-other' : match.reason,
      ip: address.ip,
      bannable: address.bannable,
      count: counted.count,
      port: match.port,
      user: match.user === undefined ? undefined : cutText(match.user, MAX_USER_LENGTH),
      invalidUser: match.invalidUser || undefined,
      method: match.method,
      pid: header.pid,
      host: header.host,
      repeated: match.repeated || undefined,
    };
    this.stats.countEvent(counted.kind, counted.count);
    return event;
  }

  /** normaliseAddress(token), the last IPv4 address's kept. */
  private address(token: string): RemoteAddress | null {
    const quad = dottedQuadNumber(token);
    if (quad === UNSPECIFIED) return null;
    if (quad < 0) return otherAddress(token);
    if (quad !== this.lastQuad || this.lastIPv4 === null) {
      this.lastIPv4 = ipv4Address(token, quad);
      this.lastQuad = quad;
    }
    return this.lastIPv4;
  }

  private skip(reason: SkipReason): null {
    this.stats.skipped[reason]++;
    return null;
  }
}
