import type { AuthEventKind } from '../core/auth-event.js';
import type { MessageMatch } from './sshd-message.js';

interface Connection {
  attempts: number;
  /**
   * Bits of the announcing lines (`Invalid user`, PAM failure, ...) seen since the last `Failed` line: they belong
   * to one try, not several.
   */
  pending: number;
  success: boolean;
  /** The first IP address the connection's lines named (a PAM `rhost=` may name the host instead). */
  addr: string | undefined;
  /** Once ended: the address and port of its ending line, and its place in the ring of ended ones (-1: open). */
  endedIp: string;
  endedPort: number | undefined;
  endedSlot: number;
}

const ANNOUNCE_BIT: Partial<Record<string, number>> = {
  'invalid-user': 1,
  'not-allowed': 2,
  'pam-failure': 4,
  'root-refused': 8,
};

/** How many connections we remember; old ones are forgotten first. A connection lives seconds to minutes. */
const MAX_CONNECTIONS = 50_000;
/**
 * How many ended connections we remember, for the lines sshd and PAM write after the one that ended it: a second
 * close (`Received disconnect` then `Disconnected from ...`), PAM's `PAM N more authentication failures`. The same
 * process writes them at once, so only lines of other connections ending in that instant come between. Kept small
 * on purpose: the ended ones share the open connections' map, looked up for every line (4,096 made the parser 17%
 * slower on the replay benchmark, 256 costs it 7%).
 */
const MAX_ENDED = 256;

/** What a line counts for: an event of this kind standing for `count` attempts (or connections). */
export interface Counted {
  readonly kind: AuthEventKind;
  readonly count: number;
}

// Nearly every line counts for 0 or 1: those outcomes are shared (they are read at once, never kept or changed).
const NO_FAILURE: Counted = { kind: 'failure', count: 0 };
const ONE_FAILURE: Counted = { kind: 'failure', count: 1 };
const ONE_PROBE: Counted = { kind: 'probe', count: 1 };
const ONE_SUCCESS: Counted = { kind: 'success', count: 1 };
const DISCONNECT: Counted = { kind: 'disconnect', count: 0 };

function failures(count: number): Counted {
  return count === 0 ? NO_FAILURE : count === 1 ? ONE_FAILURE : { kind: 'failure', count };
}

/** [key, attempts, pending bits, success, address]: compact, and plain JSON (the address is missing in old ones). */
export type ConnectionSnapshot = ReadonlyArray<readonly [string, number, number, boolean, (string | null)?]>;

/**
 * Turns message roles into event kinds and attempt counts, so each authentication attempt is counted once even
 * though sshd and PAM write two or three lines for it. Lines of one connection share sshd's pid (the monitor
 * process logs for its unprivileged child); without a pid (`sshd -E`), the remote address stands in. A pid is
 * reused by later connections, and some end with no line we see (`Too many authentication failures`): a line
 * naming another IP address than the pid's connection did starts a new connection.
 */
export class ConnectionTracker {
  /** Open connections, and the last MAX_ENDED ended ones (for the lines written after their end). */
  private readonly connections = new Map<string, Connection>();
  /**
   * The keys of ended connections in a ring, oldest overwritten first. Not the map's own order: evicting a Map's
   * first key walks every slot deleted before it, and nearly every connection ends (that walk, and a second map for
   * the ended ones, took a quarter of the parser's time).
   */
  private readonly endedOrder: Array<string | undefined> = new Array<string | undefined>(MAX_ENDED);
  private endedNext = 0;

  constructor(snapshot: ConnectionSnapshot = []) {
    for (const entry of snapshot) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      const [key, attempts, pending, success, addr] = entry;
      this.connections.set(key, {
        attempts: Number(attempts) || 0,
        pending: Number(pending) || 0,
        success: success === true,
        addr: typeof addr === 'string' ? addr : undefined,
        endedIp: '',
        endedPort: undefined,
        endedSlot: -1,
      });
    }
  }

  /** The connections still open, so a restart keeps pairing their lines (an attempt is not counted twice). */
  snapshot(): ConnectionSnapshot {
    return [...this.connections]
      .filter(([, c]) => c.endedSlot < 0)
      .map(([key, c]) => [key, c.attempts, c.pending, c.success, c.addr ?? null] as const);
  }

  /**
   * `ip` is the line's normalised address; `isIp` says it is an IP address rather than a host name (PAM's `rhost=`
   * with UseDNS), which does not tell connections apart.
   */
  account(key: string, match: MessageMatch, ip: string, isIp: boolean): Counted | null {
    if (match.role === 'none') return null;
    const repeat = match.repeat;
    const ending = match.role === 'close' || match.role === 'session';
    let conn = this.connections.get(key);
    if (conn !== undefined && conn.endedSlot >= 0) {
      // The lines that follow the end of the same connection; anything else is a new connection on a reused pid.
      if (ending && conn.endedIp === ip && conn.endedPort === match.port) return DISCONNECT;
      if (match.role === 'summary' && (conn.endedIp === ip || !isIp)) return NO_FAILURE;
      conn = this.reset(conn);
    } else if (conn !== undefined && isIp && conn.addr !== undefined && conn.addr !== ip) {
      conn = this.reset(conn);
    }
    conn ??= this.open(key);
    if (isIp) conn.addr ??= ip;
    if (ending || match.role === 'probe') this.end(conn, key, ip, match.port);
    switch (match.role) {
      case 'announce': {
        const bit = ANNOUNCE_BIT[match.reason] ?? 16;
        if (conn.pending !== 0 && (conn.pending & bit) === 0) {
          conn.pending |= bit;
          return failures(repeat - 1);
        }
        conn.pending = bit;
        conn.attempts += repeat;
        return failures(repeat);
      }
      case 'attempt': {
        const count = conn.pending !== 0 ? repeat - 1 : repeat;
        conn.pending = 0;
        conn.attempts += count;
        return failures(count);
      }
      case 'summary': {
        if (conn.attempts > 0) return NO_FAILURE;
        conn.attempts = 1;
        return ONE_FAILURE;
      }
      case 'close': {
        if (conn.success || conn.attempts > 0) return DISCONNECT;
        // `closed by authenticating user X`: a try happened that INFO level does not log (publickey offers).
        if (match.triedAuth) return ONE_FAILURE;
        return ONE_PROBE;
      }
      case 'probe':
        return repeat === 1 ? ONE_PROBE : { kind: 'probe', count: repeat };
      case 'success':
        conn.success = true;
        conn.pending = 0;
        return ONE_SUCCESS;
      case 'session':
        return DISCONNECT;
    }
  }

  private open(key: string): Connection {
    if (this.connections.size >= MAX_CONNECTIONS + MAX_ENDED) {
      const oldest = this.connections.keys().next().value;
      if (oldest !== undefined) this.connections.delete(oldest);
    }
    const conn: Connection = {
      attempts: 0,
      pending: 0,
      success: false,
      addr: undefined,
      endedIp: '',
      endedPort: undefined,
      endedSlot: -1,
    };
    this.connections.set(key, conn);
    return conn;
  }

  /** A new connection in place of an old one on the same key (its ring slot, if any, no longer names it). */
  private reset(conn: Connection): Connection {
    conn.attempts = 0;
    conn.pending = 0;
    conn.success = false;
    conn.addr = undefined;
    conn.endedSlot = -1;
    return conn;
  }

  private end(conn: Connection, key: string, ip: string, port: number | undefined): void {
    const slot = this.endedNext;
    const oldest = this.endedOrder[slot];
    // Only the connection this slot was given goes: one on that key since is open, or ended in a newer slot.
    if (oldest !== undefined && this.connections.get(oldest)?.endedSlot === slot) this.connections.delete(oldest);
    this.endedOrder[slot] = key;
    conn.endedIp = ip;
    conn.endedPort = port;
    conn.endedSlot = slot;
    this.endedNext = (slot + 1) % MAX_ENDED;
  }
}
