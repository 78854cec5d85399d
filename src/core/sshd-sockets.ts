import { Listeners } from './listeners.js';
import type { SocketRow, SocketSample } from './socket.js';

/**
 * Which rows of a sample are sshd's connections, not merely rows on sshd's port. Any local user may bind sshd's port
 * on another local address when sshd listens on one (ListenAddress) or on an unprivileged port, connect out from it
 * to any address X, and hold the connection as long as they like: the row looks like an inbound connection from X.
 * Taken for one, its lifetime was X's, and X (known only from two quick probes) was banned as a campaign's member
 * (found in review, test/sources/sshd-port-impostor.real.test.ts). So a connection counts only when
 * - a listener of root's (sshd's; uid 0) on the same port covers its local address, in the same table (its own
 *   address, or 0.0.0.0 / ::), in this sample or the one before (sshd restarting keeps its clients a moment
 *   without a listener): the kernel lets nobody else bind an address:port a listener of root's holds, and
 * - the row itself is root's: a connection sshd accepted is (its socket was made by root's accept), and so are the
 *   rows the kernel no longer ties to a process (TIME_WAIT, a connection closing after sshd closed it). This covers
 *   a dual-stack [::] listener's IPv4 clients, shown as ::ffff:a.b.c.d in tcp6, without taking the IPv4-mapped
 *   address another user binds beside sshd's IPV6_V6ONLY [::] listener: that user's connection shows their uid.
 * uid 0 is root as the reader sees it: read from outside a user-namespaced container, its sshd shows another uid,
 * and none of its connections count.
 */
export class SshdSockets {
  private readonly ports: ReadonlySet<number>;
  private previous: Listeners;

  /** `previous`: the last sample's listeners (`listeners()`), kept across a restart. */
  constructor(ports: Iterable<number>, previous: readonly string[] = []) {
    this.ports = new Set(ports);
    this.previous = new Listeners(previous);
  }

  /**
   * The last sample's listeners, for a snapshot: without them, the first sample after a restart that finds sshd's
   * listener gone a moment (sshd restarting too) took its sessions for closed, and timed them.
   */
  listeners(): string[] {
    return this.previous.keys().filter((entry) => this.ports.has(Number(entry.slice(0, entry.indexOf('|')))));
  }

  /** Whether the row is on one of sshd's ports, listener or connection: what a sample must keep for `connections`. */
  onPort(row: SocketRow): boolean {
    return this.ports.has(row.localPort);
  }

  /** sshd's connections in `sample` (not its listeners). Call once per sample, in time order. */
  connections(sample: SocketSample): SocketRow[] {
    const listeners = new Listeners(sample);
    const out: SocketRow[] = [];
    for (const row of sample.rows) {
      if (row.state === 'LISTEN' || !this.ports.has(row.localPort)) continue;
      if (listeners.accepts(row, true) || this.previous.accepts(row, true)) out.push(row);
    }
    this.previous = listeners;
    return out;
  }
}
