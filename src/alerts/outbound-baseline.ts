import type { OutboundSocket } from './outbound-tracker.js';

/** What the host usually does on one destination. */
interface DestinationStats {
  count: number;
  lastSeen: number;
  maxLifetime: number;
}

/** Lifetimes per remote port as a log2 histogram of seconds: bucket 0 is < 1 s, bucket i is [2^(i-1), 2^i) s. */
const BUCKETS = 25;

function bucketOf(lifetimeMs: number): number {
  const seconds = lifetimeMs / 1000;
  if (seconds < 1) return 0;
  return Math.min(BUCKETS - 1, Math.floor(Math.log2(seconds)) + 1);
}

export interface BaselineSnapshot {
  readonly learned: number;
  readonly destinations: Array<[string, DestinationStats]>;
  readonly ports: Array<[number, number[]]>;
}

/**
 * The host's normal outbound traffic: which (address, port) it talks to and how long its sessions per remote port
 * live. Learned only from connections that closed outside any lateral-movement watch, so an intruder's traffic never
 * becomes "normal". Bounded: at most `maxDestinations` destinations, least recently used forgotten first; port
 * histograms are 25 numbers each, at most one per port.
 */
export class OutboundBaseline {
  private learnedCount = 0;
  private readonly destinations = new Map<string, DestinationStats>();
  private readonly addresses = new Map<string, number>();
  private readonly ports = new Map<number, number[]>();

  constructor(
    private readonly maxDestinations: number,
    snapshot?: BaselineSnapshot,
  ) {
    if (snapshot) {
      this.learnedCount = snapshot.learned;
      for (const [key, stats] of snapshot.destinations) this.remember(key, { ...stats });
      for (const [port, histogram] of snapshot.ports) this.ports.set(port, [...histogram]);
    }
  }

  get learned(): number {
    return this.learnedCount;
  }

  get size(): number {
    return this.destinations.size;
  }

  learn(socket: OutboundSocket, lifetime: number): void {
    this.learnedCount++;
    const key = destinationKey(socket.remoteIp, socket.remotePort);
    const old = this.destinations.get(key);
    const stats = old ?? { count: 0, lastSeen: 0, maxLifetime: 0 };
    stats.count++;
    stats.lastSeen = Math.max(stats.lastSeen, socket.lastOpen);
    stats.maxLifetime = Math.max(stats.maxLifetime, lifetime);
    if (old) this.forget(key);
    this.remember(key, stats);
    while (this.destinations.size > this.maxDestinations) {
      const oldest = this.destinations.keys().next().value as string;
      this.forget(oldest);
    }
    let histogram = this.ports.get(socket.remotePort);
    if (!histogram) {
      histogram = new Array<number>(BUCKETS).fill(0);
      this.ports.set(socket.remotePort, histogram);
    }
    histogram[bucketOf(lifetime)]!++;
  }

  knowsDestination(ip: string, port: number): boolean {
    return this.destinations.has(destinationKey(ip, port));
  }

  knowsAddress(ip: string): boolean {
    return this.addresses.has(ip);
  }

  /** Upper bound (ms) under which 95% of this port's learned sessions ended, and how many were learned. */
  portLifetime(port: number): { p95: number; count: number } | null {
    const histogram = this.ports.get(port);
    if (!histogram) return null;
    const count = histogram.reduce((a, b) => a + b, 0);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += histogram[i]!;
      if (seen >= 0.95 * count) return { p95: 2 ** i * 1000, count };
    }
    return { p95: 2 ** (BUCKETS - 1) * 1000, count };
  }

  snapshot(): BaselineSnapshot {
    return {
      learned: this.learnedCount,
      destinations: [...this.destinations].map(([k, v]) => [k, { ...v }]),
      ports: [...this.ports].map(([p, h]) => [p, [...h]]),
    };
  }

  private remember(key: string, stats: DestinationStats): void {
    this.destinations.set(key, stats);
    const ip = key.slice(0, key.lastIndexOf('|'));
    this.addresses.set(ip, (this.addresses.get(ip) ?? 0) + 1);
  }

  private forget(key: string): void {
    this.destinations.delete(key);
    const ip = key.slice(0, key.lastIndexOf('|'));
    const n = (this.addresses.get(ip) ?? 1) - 1;
    if (n <= 0) this.addresses.delete(ip);
    else this.addresses.set(ip, n);
  }
}

function destinationKey(ip: string, port: number): string {
  return `${ip}|${port}`;
}
