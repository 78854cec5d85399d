import type { SocketRow, SocketSample } from './socket.js';

/** The uid the kernel prints for root's sockets, and for rows no process owns any more (TIME_WAIT, orphans). */
const ROOT = 0;

/** `port|family|address` of a listener, or of the listener a connection's local address:port would be accepted on. */
const keyOf = (port: number, family: 4 | 6, ip: string) => `${port}|${family}|${ip}`;

/**
 * The listening sockets of one sample, by the local address:port they accept on and their owners' uids: what
 * /proc/net/tcp can tell about whether a connection was accepted here. A connection the kernel accepted is a clone
 * of its listener and shows the listener's uid (0 once no process owns it: TIME_WAIT); its local address is the
 * listener's, or any address when the listener's is 0.0.0.0 / ::. A listener proves nothing about its owner's own
 * connections, though: with SO_REUSEPORT any user may listen on an address:port and connect out from the very same
 * one (found in review). Only a listener of root's rules out an unprivileged intruder: the kernel lets no other
 * user bind the address:port it holds (SO_REUSEPORT groups need one uid), and no other user makes root's rows.
 */
export class Listeners {
  /** Owners' uids by listener key. */
  private readonly owners = new Map<string, Set<number>>();

  /** From a sample's LISTEN rows, or from `keys()` of a snapshot. */
  constructor(source: SocketSample | readonly string[]) {
    if (Array.isArray(source)) {
      for (const entry of source as readonly string[]) {
        const cut = entry.lastIndexOf('|');
        this.add(entry.slice(0, cut), Number(entry.slice(cut + 1)));
      }
      return;
    }
    for (const row of (source as SocketSample).rows) {
      if (row.state === 'LISTEN') this.add(keyOf(row.localPort, row.family, row.localIp), row.uid);
    }
  }

  /**
   * Whether a listener would have accepted `row` on its local address:port, in the same table (a dual-stack [::]
   * listener's IPv4 clients are tcp6 rows), and its owner is `row`'s: root when `byRoot`, else the row's own uid
   * (or any owner for a row no process owns). With `trusted`, only a listener it trusts (by `keys()` entry) counts.
   */
  accepts(row: SocketRow, byRoot: boolean, trusted?: (entry: string) => boolean): boolean {
    const any = row.family === 4 ? '0.0.0.0' : '::';
    for (const ip of [row.localIp, any]) {
      const key = keyOf(row.localPort, row.family, ip);
      const owners = this.owners.get(key);
      if (!owners) continue;
      if (byRoot) {
        if (row.uid === ROOT && owners.has(ROOT)) return true;
        continue;
      }
      for (const uid of owners) {
        if (uid !== row.uid && row.uid !== ROOT) continue;
        if (!trusted || trusted(`${key}|${uid}`)) return true;
      }
    }
    return false;
  }

  /** `port|family|address|uid` of each listener, for a snapshot. */
  keys(): string[] {
    const out: string[] = [];
    for (const [key, owners] of this.owners) for (const uid of owners) out.push(`${key}|${uid}`);
    return out;
  }

  private add(key: string, uid: number): void {
    const owners = this.owners.get(key);
    if (owners) owners.add(uid);
    else this.owners.set(key, new Set([uid]));
  }
}
