import type { SocketRow, SocketSample, TcpState } from '../core/socket.js';
import { SshdSockets } from '../core/sshd-sockets.js';

/** One inbound connection to an sshd port, from its first sample to its last. */
export interface TrackedSocket {
  readonly family: 4 | 6;
  readonly remoteIp: string;
  readonly remotePort: number;
  readonly localIp: string;
  readonly localPort: number;
  readonly firstSeen: number;
  lastSeen: number;
  /**
   * States in the order seen, each once per change (SYN_RECV, ESTABLISHED, FIN_WAIT1, TIME_WAIT, ...), at most
   * MAX_STATES (the last one kept current).
   */
  readonly states: TcpState[];
  /** The socket's inode: 0 until sshd accepts it, and again once it is closed (FIN_WAIT, TIME_WAIT). */
  inode: number;
}

/** A connection goes through a handful of states; more would be rows of other sockets on the same 4-tuple. */
const MAX_STATES = 16;

export interface TrackerUpdate {
  readonly opened: readonly TrackedSocket[];
  /** Gone from this sample: their lifetime is `lastSeen - firstSeen` (as seen at this sampling rate). */
  readonly closed: readonly TrackedSocket[];
}

/** 0 opening, 1 ESTABLISHED, 2 closing: a connection never goes back. */
function rank(state: TcpState): number {
  return state === 'SYN_RECV' || state === 'NEW_SYN_RECV' || state === 'SYN_SENT' ? 0 : state === 'ESTABLISHED' ? 1 : 2;
}

/** Whether `row` is a socket other than the one `known` follows, on the same addresses and ports. */
function anotherSocket(known: TrackedSocket, row: SocketRow): boolean {
  if (known.inode !== 0 && row.inode !== 0 && row.inode !== known.inode) return true;
  return rank(row.state) < rank(known.states[known.states.length - 1]!);
}

function keyOf(row: SocketRow): string {
  return `${row.family}|${row.remoteIp}|${row.remotePort}|${row.localIp}|${row.localPort}`;
}

/**
 * Follows connections to sshd's ports across samples: when each was first and last seen, how its state moved,
 * and who it came from. What `status` shows and what tests check against real sockets.
 */
export class SocketTracker {
  private readonly sshd: SshdSockets;
  private readonly open = new Map<string, TrackedSocket>();
  closedTotal = 0;

  constructor(ports: Iterable<number>) {
    this.sshd = new SshdSockets(ports);
  }

  /**
   * Whether a row is on one of sshd's ports, its listeners included: what a sample must keep for `update`, which
   * follows only sshd's own connections among them (sshd-sockets.ts).
   */
  relevant(row: SocketRow): boolean {
    return this.sshd.onPort(row);
  }

  update(sample: SocketSample): TrackerUpdate {
    const seen = new Set<string>();
    const opened: TrackedSocket[] = [];
    const closed: TrackedSocket[] = [];
    for (const row of this.sshd.connections(sample)) {
      const key = keyOf(row);
      seen.add(key);
      let known = this.open.get(key);
      if (known && known.lastSeen !== sample.time && anotherSocket(known, row)) {
        // The same addresses and ports on another socket: the peer reconnected from the same port (the kernel takes
        // its SYN on our TIME_WAIT socket). The one before is closed.
        this.open.delete(key);
        closed.push(known);
        known = undefined;
      }
      if (known) {
        known.lastSeen = sample.time;
        if (known.inode === 0 && rank(row.state) === 1) known.inode = row.inode; // accepted since
        const states = known.states;
        if (states[states.length - 1] !== row.state) {
          if (states.length < MAX_STATES) states.push(row.state);
          else states[MAX_STATES - 1] = row.state;
        }
        continue;
      }
      const tracked: TrackedSocket = {
        family: row.family,
        remoteIp: row.remoteIp,
        remotePort: row.remotePort,
        localIp: row.localIp,
        localPort: row.localPort,
        firstSeen: sample.time,
        lastSeen: sample.time,
        states: [row.state],
        inode: row.inode,
      };
      this.open.set(key, tracked);
      opened.push(tracked);
    }
    for (const [key, tracked] of this.open) {
      if (seen.has(key)) continue;
      this.open.delete(key);
      closed.push(tracked);
    }
    this.closedTotal += closed.length;
    return { opened, closed };
  }

  openSockets(): TrackedSocket[] {
    return [...this.open.values()];
  }

  /** Remote addresses with the most open connections, for `status`. */
  topSources(limit = 10): { ip: string; open: number }[] {
    const counts = new Map<string, number>();
    for (const s of this.open.values()) counts.set(s.remoteIp, (counts.get(s.remoteIp) ?? 0) + 1);
    return [...counts]
      .map(([ip, open]) => ({ ip, open }))
      .sort((a, b) => b.open - a.open || a.ip.localeCompare(b.ip))
      .slice(0, limit);
  }
}
