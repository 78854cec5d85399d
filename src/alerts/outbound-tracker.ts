import type { SocketRow, SocketSample, TcpState } from '../core/socket.js';
import { isUnspecified } from './address.js';

/** One outbound TCP connection followed across samples. Times are sample times (milliseconds). */
export interface OutboundSocket {
  readonly family: 4 | 6;
  readonly localIp: string;
  readonly localPort: number;
  readonly remoteIp: string;
  readonly remotePort: number;
  inode: number;
  readonly firstSeen: number;
  /** Last sample that showed it in a live state (TIME_WAIT and CLOSE do not count: the session is over). */
  lastOpen: number;
  /** Present in the tracker's first sample: it was open before we looked, so it is not "new". */
  readonly preexisting: boolean;
}

/** Lower bound of the socket's life from the samples that saw it (a socket seen once lived "0 ms" to us). */
export function lifetimeOf(socket: OutboundSocket): number {
  return socket.lastOpen - socket.firstSeen;
}

const OVER: ReadonlySet<TcpState> = new Set(['TIME_WAIT', 'CLOSE']);

export interface TrackerUpdate {
  /** Sockets seen for the first time in this sample. */
  readonly opened: OutboundSocket[];
  /** Sockets gone from this sample (or replaced by a new inode on the same addresses): their life is known. */
  readonly closed: OutboundSocket[];
  /** Every socket present in this sample, opened ones included. */
  readonly present: OutboundSocket[];
}

export interface TrackerSnapshot {
  readonly sampled: boolean;
  readonly listening: number[];
  readonly sockets: OutboundSocket[];
}

/**
 * Follows outbound sockets from one /proc/net/tcp{,6} sample to the next, by (family, local, remote, inode). A
 * socket is outbound when its local port is not one we serve: not listening in any sample so far and not one of
 * the configured inbound ports. A row whose inode drops to 0 (TIME_WAIT) is the same connection closing, not a
 * new one; a different non-zero inode on the same addresses is a new connection.
 */
export class OutboundTracker {
  private readonly listening = new Set<number>();
  private sockets = new Map<string, OutboundSocket>();
  private sampled = false;

  constructor(
    private readonly inboundPorts: ReadonlySet<number>,
    snapshot?: TrackerSnapshot,
  ) {
    if (snapshot) {
      this.sampled = snapshot.sampled;
      for (const port of snapshot.listening) this.listening.add(port);
      for (const s of snapshot.sockets) this.sockets.set(keyOf(s), { ...s });
    }
  }

  update(sample: SocketSample): TrackerUpdate {
    for (const row of sample.rows) if (row.state === 'LISTEN') this.listening.add(row.localPort);
    const opened: OutboundSocket[] = [];
    const closed: OutboundSocket[] = [];
    const replaced = new Set<OutboundSocket>();
    const present: OutboundSocket[] = [];
    const next = new Map<string, OutboundSocket>();
    for (const row of sample.rows) {
      if (!this.isOutbound(row)) continue;
      const key = keyOf(row);
      if (next.has(key)) continue;
      let socket = this.sockets.get(key);
      if (socket && row.inode !== 0 && socket.inode !== 0 && row.inode !== socket.inode) {
        closed.push(socket);
        replaced.add(socket);
        socket = undefined;
      }
      if (!socket) {
        socket = {
          family: row.family,
          localIp: row.localIp,
          localPort: row.localPort,
          remoteIp: row.remoteIp,
          remotePort: row.remotePort,
          inode: row.inode,
          firstSeen: sample.time,
          lastOpen: sample.time,
          preexisting: !this.sampled,
        };
        opened.push(socket);
      } else if (!OVER.has(row.state)) {
        socket.lastOpen = sample.time;
        if (row.inode !== 0) socket.inode = row.inode;
      }
      next.set(key, socket);
      present.push(socket);
    }
    for (const [key, socket] of this.sockets)
      if (next.get(key) !== socket && !replaced.has(socket)) closed.push(socket);
    this.sockets = next;
    this.sampled = true;
    return { opened, closed, present };
  }

  isInboundPort(port: number): boolean {
    return this.listening.has(port) || this.inboundPorts.has(port);
  }

  private isOutbound(row: SocketRow): boolean {
    if (row.state === 'LISTEN' || isUnspecified(row.remoteIp) || row.remotePort === 0) return false;
    return !this.isInboundPort(row.localPort);
  }

  /** Local addresses seen on any socket: "this host" when judging SSH to other hosts. */
  localAddresses(sample: SocketSample): Set<string> {
    const out = new Set<string>();
    for (const row of sample.rows) if (!isUnspecified(row.localIp)) out.add(row.localIp);
    return out;
  }

  snapshot(): TrackerSnapshot {
    return { sampled: this.sampled, listening: [...this.listening], sockets: [...this.sockets.values()] };
  }
}

function keyOf(s: Pick<SocketRow, 'family' | 'localIp' | 'localPort' | 'remoteIp' | 'remotePort'>): string {
  return `${s.family}|${s.localIp}|${s.localPort}|${s.remoteIp}|${s.remotePort}`;
}
