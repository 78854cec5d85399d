import type { KeySpec } from '../../config/key-spec.js';
import type { SocketSample } from '../../core/socket.js';
import { durationKey, HOUR, intKey, setting } from '../settings.js';
import { type IndexSnapshot, NUMBER_KEYS, SharedIndex } from '../shared-index.js';
import type { SourceState } from '../source-state.js';
import type { Signal, SignalEnv } from './signal.js';

export const LIFETIME_KEYS = {
  min: durationKey(
    'lifetime_min',
    10_000,
    'Shortest connection lifetime used as evidence. Shorter ones are below the sampling resolution and look alike for everyone (scanners, monitoring probes).',
  ),
  bucket: durationKey(
    'lifetime_bucket',
    5_000,
    'Width of a lifetime bucket; sources within one bucket either side share a lifetime.',
  ),
  minSources: intKey('lifetime_min_sources', 5, 'Sources sharing one lifetime bucket for it to be a shared signal.'),
  window: durationKey('lifetime_window', HOUR, 'How long a source counts for its lifetime bucket.'),
  maxConnections: intKey(
    'lifetime_max_connections',
    65_536,
    'Open inbound connections followed at once (the rest are ignored until some close).',
  ),
} satisfies Record<string, KeySpec<number>>;

export const SOCKET_PORTS_KEY: KeySpec<string[]> = {
  key: 'socket_ports',
  type: 'ports',
  default: ['22'],
  doc: "Local ports whose inbound connections are timed from the /proc/net/tcp samples (sshd's ports, as in [service] ssh_ports).",
};

export interface LifetimeSnapshot {
  readonly index: IndexSnapshot;
  readonly open: Array<[string, number, number]>;
}

/** `::ffff:1.2.3.4` as the kernel shows a v4 peer on a v6 socket is the v4 address, as the log parser has it. */
function peer(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * Socket lifetimes from the /proc/net/tcp samples: an attack tool holds each connection for the same time (its
 * timeouts), so many sources sharing one lifetime is a fingerprint the log alone does not show. A connection is
 * timed from the first to the last sample that saw it ESTABLISHED.
 */
export class SocketLifetimeSignal implements Signal {
  readonly name = 'lifetime';
  private readonly p: { [K in keyof typeof LIFETIME_KEYS]: number };
  private readonly ports: Set<number>;
  private readonly index: SharedIndex<number>;
  private readonly open: Map<string, [first: number, last: number]>;

  constructor(
    values: Readonly<Record<string, unknown>>,
    private readonly env: SignalEnv,
    snapshot?: LifetimeSnapshot,
  ) {
    this.p = Object.fromEntries(Object.entries(LIFETIME_KEYS).map(([name, spec]) => [name, setting(values, spec)])) as {
      [K in keyof typeof LIFETIME_KEYS]: number;
    };
    this.ports = new Set(setting(values, SOCKET_PORTS_KEY).map(Number));
    this.index = new SharedIndex(this.p.window, 4096, Math.max(16, 2 * this.p.minSources), snapshot?.index, {
      keys: NUMBER_KEYS,
    });
    this.open = new Map((snapshot?.open ?? []).map(([k, f, l]) => [k, [f, l]]));
  }

  /** Follows the sample's inbound connections; returns sources to re-judge (a lifetime became shared). */
  observe(sample: SocketSample): readonly string[] {
    for (const row of sample.rows) {
      if (row.state !== 'ESTABLISHED' || !this.ports.has(row.localPort)) continue;
      const key = `${peer(row.remoteIp)}|${row.remotePort}`;
      const seen = this.open.get(key);
      if (seen) seen[1] = sample.time;
      else if (this.open.size < this.p.maxConnections) this.open.set(key, [sample.time, sample.time]);
    }
    const out: string[] = [];
    for (const [key, [first, last]] of this.open) {
      if (last === sample.time) continue;
      this.open.delete(key);
      const lifetime = last - first;
      const source = this.env.source(key.slice(0, key.lastIndexOf('|')));
      if (!source || lifetime < this.p.min) continue;
      source.lifetime = lifetime;
      const bucket = Math.round(lifetime / this.p.bucket);
      this.index.add(bucket, source.ip, sample.time);
      if (this.shared(bucket, sample.time, this.p.minSources + 1) === this.p.minSources) {
        for (let b = bucket - 1; b <= bucket + 1; b++) out.push(...this.index.sources(b, sample.time));
      }
    }
    return out;
  }

  private shared(bucket: number, now: number, enough: number): number {
    let n = 0;
    for (let b = bucket - 1; b <= bucket + 1 && n < enough; b++) n += this.index.count(b, now, enough - n);
    return n;
  }

  test(source: SourceState, now: number): string | null {
    if (source.lifetime < this.p.min || source.last < now - this.p.window) return null;
    const bucket = Math.round(source.lifetime / this.p.bucket);
    return this.shared(bucket, now, this.p.minSources) >= this.p.minSources ? String(bucket) : null;
  }

  /** Seconds a bucket stands for (the CAMPAIGN line prints it). */
  bucketSeconds(bucket: number): number {
    return Math.round((bucket * this.p.bucket) / 1000);
  }

  snapshot(): LifetimeSnapshot {
    return { index: this.index.snapshot(), open: [...this.open].map(([k, [f, l]]) => [k, f, l]) };
  }
}
