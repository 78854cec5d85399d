import { Listeners } from '../core/listeners.js';
import type { SocketRow, SocketSample, TcpState } from '../core/socket.js';
import { isUnspecified } from './address.js';

/** The uid the kernel prints for root's sockets (and for rows no process owns any more). */
const ROOT = 0;

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
  /** The last sample's listeners, `port|family|address|uid` (older snapshots kept bare ports: not read). */
  readonly listeners?: string[];
  /** When each of those listeners was first seen (BEFORE: before the first sample); absent in older snapshots. */
  readonly listenedSince?: Array<[string, number]>;
  /** Snapshots written before `listeners` (session 28): the ports listening in the last sample. */
  readonly listening?: number[];
  readonly sockets: OutboundSocket[];
}

/** The time of a listener already there when the tracker first looked. */
const BEFORE = Number.MIN_SAFE_INTEGER;

/**
 * Follows outbound sockets from one /proc/net/tcp{,6} sample to the next, by (family, local, remote, inode). Which
 * connections are inbound, from what the table can prove (Listeners):
 * - one a listener of root's accepts in this sample, when the row is root's: followed or not (root hides anything),
 *   and these are the rows the live sampler leaves unread (src/sources/socket-sampler.ts), a web server's thousands;
 * - one to a `watched` remote port (lateral_ports, long_session_ports) only when a listener of root's, in this
 *   sample or the one before, accepts it and the row is root's: any user may listen on an address:port with
 *   SO_REUSEPORT and connect out from it, to SMB say (found in review); a client of ours whose source port is 445
 *   is rare, and an extra ALERT never bans;
 * - one on an `inboundPorts` port (sshd's) when the row is root's: sshd's sessions outlive its listener, while any
 *   user may bind sshd's unprivileged port on an address sshd does not listen on and connect out from it;
 * - any other when a listener of its owner's (or root's), in this sample or the one before (a service restarting
 *   keeps its clients a moment without a listener), accepts it, and that listener, unless root's, was listening
 *   before the oldest running watch began: the same SO_REUSEPORT trick hid an intruder's connection to any other
 *   port from `new-destination` (found in review). Not root's listener only: a service that listens as its own
 *   user (PostgreSQL, an application server) has its clients' rows under that uid, and every one of them would be
 *   a destination.
 * Every other connection is outbound, and one followed as outbound stays so. A row whose inode drops to 0
 * (TIME_WAIT) is the same connection closing, not a new one; a different non-zero inode on the same addresses is a
 * new connection.
 */
export class OutboundTracker {
  /** The last sample's listeners. */
  private listeners = new Listeners([]);
  /** When each listener of the last two samples was first seen, by `Listeners.keys()` entry. */
  private since = new Map<string, number>();
  /** Whether the next sample's new listeners were there before we looked: the first sample, or ages unknown. */
  private agesUnknown = true;
  private sockets = new Map<string, OutboundSocket>();
  private sampled = false;
  /**
   * The last sample's listening ports, from a snapshot that kept no listeners: the first sample after it takes a
   * connection on one as inbound, as the version that wrote it did. Without them a service's client whose listener
   * was gone that moment was followed as outbound for good, and alerted under a running watch.
   */
  private listeningBefore: ReadonlySet<number> = new Set();
  /** The same ports, for one more sample: a listener back on one after a sample without it keeps an unknown age. */
  private agedPorts: ReadonlySet<number> = new Set();

  constructor(
    private readonly inboundPorts: ReadonlySet<number>,
    private readonly watchedPorts: ReadonlySet<number>,
    snapshot?: TrackerSnapshot,
  ) {
    if (snapshot) {
      this.sampled = snapshot.sampled;
      this.listeners = new Listeners(snapshot.listeners ?? []);
      if (!snapshot.listeners && Array.isArray(snapshot.listening)) {
        this.listeningBefore = new Set(snapshot.listening);
        this.agedPorts = this.listeningBefore;
      }
      this.since = new Map(snapshot.listenedSince ?? []);
      this.agesUnknown = !snapshot.sampled || snapshot.listenedSince === undefined;
      for (const s of snapshot.sockets) this.sockets.set(keyOf(s), { ...s });
    }
  }

  /**
   * `trustBefore`: the start of the oldest running watch (none: Infinity). A listener of another user's first seen
   * after it proves nothing about its owner's connections.
   */
  update(sample: SocketSample, trustBefore = Number.POSITIVE_INFINITY): TrackerUpdate {
    const listeners = new Listeners(sample);
    const since = this.ages(listeners, sample.time);
    const trusted = (entry: string) => entry.endsWith(`|${ROOT}`) || (since.get(entry) ?? sample.time) <= trustBefore;
    const opened: OutboundSocket[] = [];
    const closed: OutboundSocket[] = [];
    const replaced = new Set<OutboundSocket>();
    const present: OutboundSocket[] = [];
    const next = new Map<string, OutboundSocket>();
    for (const row of sample.rows) {
      if (!isConnected(row) || listeners.accepts(row, true)) continue;
      const key = keyOf(row);
      if (next.has(key)) continue;
      if (!this.sockets.has(key) && this.isInbound(row, listeners, trusted)) continue;
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
    this.listeners = listeners;
    this.since = since;
    this.sampled = true;
    this.agesUnknown = false;
    this.agedPorts = this.listeningBefore;
    this.listeningBefore = new Set();
    return { opened, closed, present };
  }

  /** When each listener of this sample and the last was first seen (a listener back after one sample keeps its age). */
  private ages(listeners: Listeners, time: number): Map<string, number> {
    const out = new Map<string, number>();
    const first = (entry: string) =>
      this.agesUnknown || this.agedPorts.has(Number(entry.slice(0, entry.indexOf('|')))) ? BEFORE : time;
    for (const entry of listeners.keys()) out.set(entry, this.since.get(entry) ?? first(entry));
    for (const entry of this.listeners.keys())
      if (!out.has(entry)) out.set(entry, this.since.get(entry) ?? first(entry));
    return out;
  }

  private isInbound(row: SocketRow, listeners: Listeners, trusted: (entry: string) => boolean): boolean {
    const accepted = (byRoot: boolean, only?: (entry: string) => boolean) =>
      listeners.accepts(row, byRoot, only) || this.listeners.accepts(row, byRoot, only);
    if (this.listeningBefore.has(row.localPort)) return true;
    if (this.watchedPorts.has(row.remotePort)) return accepted(true);
    return (this.inboundPorts.has(row.localPort) && row.uid === ROOT) || accepted(false, trusted);
  }

  /** The outbound sockets of the last sample. */
  get current(): IterableIterator<OutboundSocket> {
    return this.sockets.values();
  }

  /**
   * "This host" when judging SSH to other hosts: the local addresses of root's sockets (uid 0), sshd's sessions
   * above all, which are reached on our addresses. Not any socket's: IP_FREEBIND lets any user listen on (or send
   * a SYN from) an address the host does not have, and a listener on the target's address made SSH to it "SSH to
   * itself" (found in review). Not those of root's connections that a listener of root's accepts off `inboundPorts`
   * either: the live sampler does not read them. From the sample only (call after `update`), so a replay judges as
   * the live service did.
   */
  localAddresses(sample: SocketSample): Set<string> {
    const out = new Set<string>();
    for (const row of sample.rows) {
      if (row.uid !== ROOT || isUnspecified(row.localIp)) continue;
      if (isConnected(row) && !this.inboundPorts.has(row.localPort) && this.listeners.accepts(row, true)) continue;
      out.add(row.localIp);
    }
    return out;
  }

  snapshot(): TrackerSnapshot {
    return {
      sampled: this.sampled,
      listeners: this.listeners.keys(),
      listenedSince: [...this.since],
      sockets: [...this.sockets.values()],
    };
  }
}

/** A connection, not a listener or an unconnected socket. */
function isConnected(row: SocketRow): boolean {
  return row.state !== 'LISTEN' && !isUnspecified(row.remoteIp) && row.remotePort !== 0;
}

function keyOf(s: Pick<SocketRow, 'family' | 'localIp' | 'localPort' | 'remoteIp' | 'remotePort'>): string {
  return `${s.family}|${s.localIp}|${s.localPort}|${s.remoteIp}|${s.remotePort}`;
}
