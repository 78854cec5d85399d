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
  /**
   * First seen after a suspicious login, within its watch: never learned into the baseline, whenever it closes (the
   * watch may be long gone by then). Set by AlertCore; absent in snapshots written before it existed.
   */
  watched?: boolean;
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
  /** Ports listening in the last sample (snapshots written before this kept every port ever seen listening). */
  readonly listening: number[];
  readonly sockets: OutboundSocket[];
}

/**
 * Follows outbound sockets from one /proc/net/tcp{,6} sample to the next, by (family, local, remote, inode). A
 * connection is inbound when its local port is one of the configured inbound ports, or listening in this sample or
 * the one before (a service restarting keeps its clients for a moment without a listener); every other connection
 * is outbound, and one followed as outbound stays so. A port that listened once is not inbound for ever: any user
 * may listen on a port for a moment and then connect out from it. (The live sampler does not even pass on rows of a
 * port listening in the same sample: src/sources/socket-sampler.ts.) A row whose inode drops to 0 (TIME_WAIT) is
 * the same connection closing, not a new one; a different non-zero inode on the same addresses is a new connection.
 */
export class OutboundTracker {
  /** Ports listening in the last sample. */
  private listening = new Set<number>();
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
    const listening = new Set<number>();
    for (const row of sample.rows) if (row.state === 'LISTEN') listening.add(row.localPort);
    const opened: OutboundSocket[] = [];
    const closed: OutboundSocket[] = [];
    const replaced = new Set<OutboundSocket>();
    const present: OutboundSocket[] = [];
    const next = new Map<string, OutboundSocket>();
    for (const row of sample.rows) {
      if (!isConnected(row)) continue;
      const key = keyOf(row);
      if (next.has(key)) continue;
      const port = row.localPort;
      const inbound = this.inboundPorts.has(port) || listening.has(port) || this.listening.has(port);
      if (inbound && !this.sockets.has(key)) continue;
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
    this.listening = listening;
    this.sampled = true;
    return { opened, closed, present };
  }

  /** The outbound sockets of the last sample. */
  get current(): IterableIterator<OutboundSocket> {
    return this.sockets.values();
  }

  /**
   * "This host" when judging SSH to other hosts: the local addresses of root's sockets (uid 0), sshd's sessions
   * above all, which are reached on our addresses. Not any socket's: IP_FREEBIND lets any user listen on (or send
   * a SYN from) an address the host does not have, and a listener on the target's address made SSH to it "SSH to
   * itself" (found in review). From the sample only, so a replay judges as the live service did.
   */
  localAddresses(sample: SocketSample): Set<string> {
    const out = new Set<string>();
    for (const row of sample.rows) if (row.uid === 0 && !isUnspecified(row.localIp)) out.add(row.localIp);
    return out;
  }

  snapshot(): TrackerSnapshot {
    return { sampled: this.sampled, listening: [...this.listening], sockets: [...this.sockets.values()] };
  }
}

/** A connection, not a listener or an unconnected socket. */
function isConnected(row: SocketRow): boolean {
  return row.state !== 'LISTEN' && !isUnspecified(row.remoteIp) && row.remotePort !== 0;
}

function keyOf(s: Pick<SocketRow, 'family' | 'localIp' | 'localPort' | 'remoteIp' | 'remotePort'>): string {
  return `${s.family}|${s.localIp}|${s.localPort}|${s.remoteIp}|${s.remotePort}`;
}
