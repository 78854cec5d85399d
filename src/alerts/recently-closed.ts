import type { OutboundSocket } from './outbound-tracker.js';

/**
 * How long a closed connection waits before it is learned into the baseline: live, sshd's line about a login can be
 * read after the sampler saw the intruder's first connection open and close, and that connection is judged when the
 * line arrives (found in review: it was learned at once, so neither it nor a later one to the same place alerted).
 */
export const LATE_LINE = 5 * 60_000;

/** Most connections kept waiting; beyond it the oldest are learned at once (a busy host must not grow memory). */
const MAX_WAITING = 4096;

export interface ClosedSocket {
  readonly socket: OutboundSocket;
  /** Time of the sample that showed it gone. */
  readonly closed: number;
}

/** Outbound connections that closed lately with no watch covering them, oldest first, not yet learned. */
export class RecentlyClosed {
  private waiting: ClosedSocket[];

  constructor(snapshot?: readonly ClosedSocket[]) {
    this.waiting = snapshot ? snapshot.map((c) => ({ socket: { ...c.socket }, closed: c.closed })) : [];
  }

  add(socket: OutboundSocket, closed: number): void {
    this.waiting.push({ socket, closed });
  }

  /** Removes and returns the connections to learn now: closed before `before`, or beyond MAX_WAITING. */
  due(before: number): OutboundSocket[] {
    let n = Math.max(0, this.waiting.length - MAX_WAITING);
    while (n < this.waiting.length && this.waiting[n]!.closed < before) n++;
    return n === 0 ? [] : this.waiting.splice(0, n).map((c) => c.socket);
  }

  /** Removes and returns every connection waiting (a login line arrived: each is judged or learned now). */
  takeAll(): OutboundSocket[] {
    const all = this.waiting.map((c) => c.socket);
    this.waiting = [];
    return all;
  }

  snapshot(): ClosedSocket[] {
    return this.waiting.map((c) => ({ socket: { ...c.socket }, closed: c.closed }));
  }
}
