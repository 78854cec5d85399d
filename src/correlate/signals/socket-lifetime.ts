import type { KeySpec } from '../../config/key-spec.js';
import type { SocketSample } from '../../core/socket.js';
import { SshdSockets } from '../../core/sshd-sockets.js';
import { OWN_SCHEDULE } from '../predictable-sources.js';
import { durationKey, HOUR, intKey, MINUTE, setting } from '../settings.js';
import { type IndexSnapshot, NUMBER_KEYS, SharedIndex } from '../shared-index.js';
import type { SourceState } from '../source-state.js';
import type { Signal, SignalEnv } from './signal.js';

export const LIFETIME_KEYS = {
  min: durationKey(
    'lifetime_min',
    10_000,
    'Shortest connection lifetime used as evidence. Shorter ones are below the sampling resolution and look alike for everyone (scanners, monitoring probes). 0: every lifetime measured.',
  ),
  bucket: durationKey(
    'lifetime_bucket',
    5_000,
    'Width of a lifetime bucket; sources within one bucket either side share a lifetime.',
    // At 0 every lifetime is its own bucket and no gap fits 1.5 of them: the signal would go silently off.
    1_000,
  ),
  minSources: intKey('lifetime_min_sources', 5, 'Sources sharing one lifetime bucket for it to be a shared signal.'),
  window: durationKey('lifetime_window', HOUR, 'How long a source counts for its lifetime bucket.', MINUTE),
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
  doc: "Local ports whose inbound connections are timed from the /proc/net/tcp samples (sshd's ports). Left out, it follows [service] ssh_ports.",
};

export interface LifetimeSnapshot {
  readonly index: IndexSnapshot;
  /** Key, first and last sample that saw it, the sample before the first (-1: unknown), its inode (0: unknown). */
  readonly open: Array<[string, number, number, number?, number?]>;
  /** Time of the last sample (-1: none yet). */
  readonly previous?: number;
  /** Time of the last sample that had more connections than `lifetime_max_connections` (-1: none). */
  readonly overflow?: number;
  /** The last sample's listeners on sshd's ports (SshdSockets.listeners); absent in older snapshots. */
  readonly listeners?: string[];
}

/** `::ffff:1.2.3.4` as the kernel shows a v4 peer on a v6 socket is the v4 address, as the log parser has it. */
function peer(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** A followed connection: first and last sample that saw it ESTABLISHED, the sample before the first, its inode. */
type Followed = [first: number, last: number, before: number, inode: number];

/**
 * Socket lifetimes from the /proc/net/tcp samples: an attack tool holds each connection for the same time (its
 * timeouts), so many sources sharing one lifetime is a fingerprint the log alone does not show. A connection is
 * timed from the first to the last sample that saw it ESTABLISHED. It is known only to within the sampling gaps
 * at its two ends, so it is evidence only when both gaps are at most 1.5 lifetime buckets: at 30 s sampling a
 * 31 s and an 89 s connection both show as 30 s, and five unrelated clients would "share" a lifetime.
 */
export class SocketLifetimeSignal implements Signal {
  readonly name = 'lifetime';
  private readonly p: { [K in keyof typeof LIFETIME_KEYS]: number };
  /** sshd's connections among the rows on its ports (not a local user's rows on the same port: sshd-sockets.ts). */
  private readonly sshd: SshdSockets;
  private readonly index: SharedIndex<number>;
  /** Keyed by remote address and port, then local address and port (the source is the text before the first |). */
  private readonly open: Map<string, Followed>;
  private previous: number;
  private overflow: number;

  constructor(
    values: Readonly<Record<string, unknown>>,
    private readonly env: SignalEnv,
    snapshot?: LifetimeSnapshot,
  ) {
    this.p = Object.fromEntries(Object.entries(LIFETIME_KEYS).map(([name, spec]) => [name, setting(values, spec)])) as {
      [K in keyof typeof LIFETIME_KEYS]: number;
    };
    this.sshd = new SshdSockets(setting(values, SOCKET_PORTS_KEY).map(Number), snapshot?.listeners);
    this.index = new SharedIndex(this.p.window, 4096, Math.max(16, 2 * this.p.minSources), snapshot?.index, {
      keys: NUMBER_KEYS,
    });
    // A snapshot of an earlier version has no `before`: those connections' start is unknown.
    this.open = new Map((snapshot?.open ?? []).map(([k, f, l, b, i]) => [k, [f, l, b ?? -1, i ?? 0]]));
    this.previous = snapshot?.previous ?? -1;
    this.overflow = snapshot?.overflow ?? -1;
  }

  /** Follows the sample's inbound connections; returns sources to re-judge (a lifetime became shared). */
  observe(sample: SocketSample): readonly string[] {
    const now = sample.time;
    const out: string[] = [];
    // Rows refused for want of room in the previous sample: a connection admitted now may be older than that.
    const before = this.overflow === this.previous ? -1 : this.previous;
    for (const row of this.sshd.connections(sample)) {
      if (row.state !== 'ESTABLISHED') continue;
      const key = `${peer(row.remoteIp)}|${row.remotePort}|${row.localIp}|${row.localPort}`;
      let seen = this.open.get(key);
      if (seen && seen[1] !== now && seen[3] !== 0 && row.inode !== 0 && row.inode !== seen[3]) {
        // Another socket on the same addresses and ports (a fixed source port, a port reused at once): the one
        // before ended after its last sample.
        this.open.delete(key);
        this.close(key, seen, now, out);
        seen = undefined;
      }
      if (seen) {
        seen[1] = now;
        if (seen[3] === 0) seen[3] = row.inode; // 0 until sshd accepts it
      } else if (this.open.size < this.p.maxConnections) this.open.set(key, [now, now, before, row.inode]);
      else this.overflow = now;
    }
    for (const [key, seen] of this.open) {
      if (seen[1] === now) continue;
      this.open.delete(key);
      this.close(key, seen, now, out);
    }
    this.previous = now;
    return out;
  }

  /** A connection last seen at `seen[1]` is gone at `now`: its lifetime, if the samples timed it closely enough. */
  private close(key: string, [first, last, before]: Followed, now: number, out: string[]): void {
    const lifetime = last - first;
    if (lifetime < this.p.min || before < 0) return;
    if (Math.max(first - before, now - last) > 1.5 * this.p.bucket) return;
    const source = this.env.source(key.slice(0, key.indexOf('|')));
    if (!source) return;
    source.lifetime = lifetime;
    const bucket = Math.round(lifetime / this.p.bucket);
    this.index.add(bucket, source.ip, now);
    if (this.shared(bucket, now, this.p.minSources + 1) === this.p.minSources) {
      for (let b = bucket - 1; b <= bucket + 1; b++) out.push(...this.index.sources(b, now));
    }
  }

  private shared(bucket: number, now: number, enough: number): number {
    let n = 0;
    for (let b = bucket - 1; b <= bucket + 1 && n < enough; b++) n += this.index.count(b, now, enough - n);
    return n;
  }

  test(source: SourceState, now: number): string | null {
    // A connection's shape is anyone's to copy: four addresses holding their connections as long as a monitoring
    // probe that keeps its own schedule (predictable-sources.ts) shared its lifetime, and with its probes it was
    // banned (found in review). As for synchrony, it says only that someone copied the source.
    if (source.predictable === OWN_SCHEDULE) return null;
    if (source.lifetime < this.p.min || source.last < now - this.p.window) return null;
    const bucket = Math.round(source.lifetime / this.p.bucket);
    return this.shared(bucket, now, this.p.minSources) >= this.p.minSources ? String(bucket) : null;
  }

  /** Seconds a bucket stands for (the CAMPAIGN line prints it). */
  bucketSeconds(bucket: number): number {
    return Math.round((bucket * this.p.bucket) / 1000);
  }

  snapshot(): LifetimeSnapshot {
    return {
      index: this.index.snapshot(),
      open: [...this.open].map(([k, [f, l, b, i]]) => [k, f, l, b, i]),
      previous: this.previous,
      overflow: this.overflow,
      listeners: this.sshd.listeners(),
    };
  }
}
