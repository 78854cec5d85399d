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
 * Turns message roles into event kinds and attempt counts, so each authentication attempt is counted once even
 * though sshd and PAM write two or three lines for it. Lines of one connection share sshd's pid (the monitor
 * process logs for its unprivileged child); without a pid (`sshd -E`), the remote address stands in.
 */
/** [key, attempts, pending bits, success]: compact, and plain JSON. */
export type ConnectionSnapshot = ReadonlyArray<readonly [string, number, number, boolean]>;

export class ConnectionTracker {
  private readonly connections = new Map<string, Connection>();

  constructor(snapshot: ConnectionSnapshot = []) {
    for (const entry of snapshot) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      const [key, attempts, pending, success] = entry;
      this.connections.set(key, {
        attempts: Number(attempts) || 0,
        pending: Number(pending) || 0,
        success: success === true,
      });
    }
  }

  /** The connections still open, so a restart keeps pairing their lines (an attempt is not counted twice). */
  snapshot(): ConnectionSnapshot {
    return [...this.connections].map(([key, c]) => [key, c.attempts, c.pending, c.success] as const);
  }

  account(key: string, match: MessageMatch): { kind: AuthEventKind; count: number } | null {
    const repeat = match.repeat;
    const conn = this.connection(key);
    switch (match.role) {
      case 'announce': {
        const bit = ANNOUNCE_BIT[match.reason] ?? 16;
        if (conn.pending !== 0 && (conn.pending & bit) === 0) {
          conn.pending |= bit;
          return { kind: 'failure', count: repeat - 1 };
        }
        conn.pending = bit;
        conn.attempts += repeat;
        return { kind: 'failure', count: repeat };
      }
      case 'attempt': {
        const count = conn.pending !== 0 ? repeat - 1 : repeat;
        conn.pending = 0;
        conn.attempts += count;
        return { kind: 'failure', count };
      }
      case 'summary': {
        if (conn.attempts > 0) return { kind: 'failure', count: 0 };
        conn.attempts = 1;
        return { kind: 'failure', count: 1 };
      }
      case 'close': {
        this.connections.delete(key);
        if (conn.success || conn.attempts > 0) return { kind: 'disconnect', count: 0 };
        // `closed by authenticating user X`: a try happened that INFO level does not log (publickey offers).
        if (match.triedAuth) return { kind: 'failure', count: 1 };
        return { kind: 'probe', count: 1 };
      }
      case 'probe':
        this.connections.delete(key);
        return { kind: 'probe', count: repeat };
      case 'success':
        conn.success = true;
        conn.pending = 0;
        return { kind: 'success', count: 1 };
      case 'session':
        this.connections.delete(key);
        return { kind: 'disconnect', count: 0 };
      case 'none':
        return null;
    }
  }

  private connection(key: string): Connection {
    let conn = this.connections.get(key);
    if (conn === undefined) {
      if (this.connections.size >= MAX_CONNECTIONS) {
        const oldest = this.connections.keys().next().value;
        if (oldest !== undefined) this.connections.delete(oldest);
      }
      conn = { attempts: 0, pending: 0, success: false };
      this.connections.set(key, conn);
    }
    return conn;
  }

  get size(): number {
    return this.connections.size;
  }
}
