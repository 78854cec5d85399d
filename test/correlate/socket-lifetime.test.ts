import { describe, expect, it } from 'vitest';
import { filterTable } from '../../src/cli/commands/record.js';
import type { SignalEnv } from '../../src/correlate/signals/signal.js';
import { SocketLifetimeSignal } from '../../src/correlate/signals/socket-lifetime.js';
import type { SourceState } from '../../src/correlate/source-state.js';
import { formatTraceBlock, readSocketTrace } from '../../src/parse/socket-trace.js';
import { tcpTables } from '../../src/simulate/tcp-table.js';
import { sampleTables } from '../../src/sources/socket-sampler.js';
import { S, sample, source, spread, sshdListening, T0, THRESHOLDS } from './helpers.js';

function setup(ips: readonly string[], values: Record<string, unknown> = {}) {
  const table = new Map<string, SourceState>(ips.map((ip) => [ip, source(ip)]));
  const env: SignalEnv = { thresholds: THRESHOLDS, source: (ip) => table.get(ip), prefixHasSuccess: () => false };
  return { table, signal: new SocketLifetimeSignal(values, env) };
}

/**
 * Samples every 5 s, from one sample before T0 (a connection already open at the very first sample has no known
 * start); each peer's connection is open for `life` ms starting at its offset.
 */
function run(
  signal: SocketLifetimeSignal,
  peers: ReadonlyArray<[ip: string, start: number, life: number]>,
  until: number,
): string[] {
  const out: string[] = [];
  for (let t = T0 - 5 * S; t <= until; t += 5 * S) {
    const open = peers
      .map(([ip, start, life], i) => [ip, 40_000 + i, start, life] as const)
      .filter(([, , start, life]) => start <= t && t < start + life)
      .map(([ip, port]) => [ip, port] as const);
    // One inode per connection, as the kernel gives each socket its own (the helper numbers rows by position).
    const rows = sample(t, open).rows.map((row) => ({ ...row, inode: row.remotePort }));
    out.push(...signal.observe({ time: t, rows }));
  }
  return out;
}

describe('socket lifetime signal', () => {
  it('times connections from the samples and shares a lifetime held by five sources', () => {
    const ips = spread(5);
    const { table, signal } = setup(ips);
    const rejudge = run(
      signal,
      ips.map((ip, i) => [ip, T0 + i * 20 * S, 45 * S] as [string, number, number]),
      T0 + 5 * 60 * S,
    );
    for (const ip of ips) {
      expect(table.get(ip)!.lifetime).toBeGreaterThanOrEqual(40 * S);
      expect(table.get(ip)!.lifetime).toBeLessThanOrEqual(45 * S);
    }
    expect([...new Set(rejudge)].sort()).toEqual([...ips].sort());
    expect(signal.test(table.get(ips[0]!)!, T0 + 5 * 60 * S)).not.toBeNull();
  });

  it('does not use lifetimes below lifetime_min, nor a lifetime only four sources share', () => {
    const short = spread(6);
    const a = setup(short);
    run(
      a.signal,
      short.map((ip, i) => [ip, T0 + i * 20 * S, 4 * S] as [string, number, number]),
      T0 + 3 * 60 * S,
    );
    expect(short.every((ip) => a.signal.test(a.table.get(ip)!, T0 + 3 * 60 * S) === null)).toBe(true);
    const four = spread(4);
    const b = setup(four);
    run(
      b.signal,
      four.map((ip, i) => [ip, T0 + i * 20 * S, 45 * S] as [string, number, number]),
      T0 + 5 * 60 * S,
    );
    expect(b.signal.test(b.table.get(four[0]!)!, T0 + 5 * 60 * S)).toBeNull();
  });

  it('follows only the configured local ports', () => {
    const ips = spread(5);
    const { table, signal } = setup(ips, { socket_ports: ['2222'] });
    run(
      signal,
      ips.map((ip, i) => [ip, T0 + i * 20 * S, 45 * S] as [string, number, number]),
      T0 + 5 * 60 * S,
    );
    expect(table.get(ips[0]!)!.lifetime).toBe(-1);
  });
});

describe('socket lifetime signal: what the samples can tell (review)', () => {
  type Conn = { ip: string; port: number; start: number; life: number; inode?: number; localPort?: number };
  /** Samples every `every` ms from `from` to `until`; rows carry each connection's inode and local port. */
  function runAt(signal: SocketLifetimeSignal, conns: readonly Conn[], from: number, until: number, every: number) {
    const out: string[] = [];
    for (let t = from; t <= until; t += every) {
      const rows = conns
        .filter((c) => c.start <= t && t < c.start + c.life)
        .map((c) => ({
          ...sample(t, [[c.ip, c.port]]).rows[0]!,
          localPort: c.localPort ?? 22,
          inode: c.inode ?? 1000,
        }));
      out.push(...signal.observe({ time: t, rows: [...rows, ...sshdListening([22, 2222])] }));
    }
    return out;
  }

  it('at the default 30 s sampling, lifetimes from 40 to 58 s are not one shared lifetime', () => {
    // Five unrelated clients (users giving up, a monitoring check): 30 s samples see each twice, so each "lived 30 s".
    const ips = spread(5);
    const { table, signal } = setup(ips);
    const lives = [40, 45, 50, 55, 58];
    runAt(
      signal,
      ips.map((ip, i) => ({ ip, port: 40_000, start: T0 + i * 5 * 60 * S + 25 * S, life: lives[i]! * S })),
      T0,
      T0 + 30 * 60 * S,
      30 * S,
    );
    // 5 s samples tell them apart (buckets 8 to 11): no shared lifetime there either.
    expect(ips.map((ip) => signal.test(table.get(ip)!, T0 + 30 * 60 * S))).toEqual([null, null, null, null, null]);
  });

  it('does not time a connection already open at the first sample from that sample', () => {
    // A fresh start (or a trace's first block) while five sessions of different ages are open; they close together.
    const ips = spread(5);
    const { table, signal } = setup(ips);
    runAt(
      signal,
      ips.map((ip, i) => ({
        ip,
        port: 40_000,
        start: T0 - (i + 1) * 10 * 60 * S,
        life: (i + 1) * 10 * 60 * S + 60 * S,
      })),
      T0,
      T0 + 5 * 60 * S,
      5 * S,
    );
    expect(ips.map((ip) => signal.test(table.get(ip)!, T0 + 5 * 60 * S))).toEqual([null, null, null, null, null]);
  });

  it('times a new connection on the same address and port (another inode) apart from the one before', () => {
    // A tool with a fixed source port: 20 s connections back to back, the next one within the same 5 s.
    const ip = spread(1)[0]!;
    const { table, signal } = setup([ip]);
    runAt(
      signal,
      [0, 1].map((k) => ({ ip, port: 40_000, start: T0 + 2 * S + k * 22 * S, life: 20 * S, inode: 500 + k })),
      T0,
      T0 + 2 * 60 * S,
      5 * S,
    );
    // Seen 5-20 s and 25-40 s: two connections of 15 s, not one of 35 s.
    expect(table.get(ip)!.lifetime).toBe(15 * S);
    expect(signal.snapshot().index.map(([bucket]) => Number(bucket))).toEqual([3]);
  });

  it('does not time a connection from when room was made for it (lifetime_max_connections)', () => {
    const [a, b] = spread(2) as [string, string];
    const { table, signal } = setup([a, b], { lifetime_max_connections: 1 });
    runAt(
      signal,
      [
        { ip: a, port: 40_000, start: T0 + 2 * S, life: 18 * S, inode: 501 },
        { ip: b, port: 40_001, start: T0 + 3 * S, life: 57 * S, inode: 502 },
      ],
      T0,
      T0 + 2 * 60 * S,
      5 * S,
    );
    expect(table.get(a)!.lifetime).toBe(10 * S);
    // b waited for a's place from 5 to 15 s: taken for a 35 s connection (20-55 s) before.
    expect(table.get(b)!.lifetime).toBe(-1);
  });

  it('times concurrent connections from one address and port to two local ports apart', () => {
    const ip = spread(1)[0]!;
    const { table, signal } = setup([ip], { socket_ports: ['22', '2222'] });
    runAt(
      signal,
      [
        { ip, port: 40_000, start: T0 + 2 * S, life: 60 * S, localPort: 22, inode: 501 },
        { ip, port: 40_000, start: T0 + 2 * S, life: 20 * S, localPort: 2222, inode: 502 },
      ],
      T0,
      T0 + 2 * 60 * S,
      5 * S,
    );
    // The 60 s one closes last; the 20 s one, merged into it, was never timed.
    expect(table.get(ip)!.lifetime).toBe(55 * S);
    expect(
      signal
        .snapshot()
        .index.map(([bucket]) => Number(bucket))
        .sort((a, b) => a - b),
    ).toEqual([3, 11]);
  });
});

describe('socket lifetimes from a recorded trace (review)', () => {
  it('a trace written as `record` writes it gives the lifetimes live sampling gives', async () => {
    // Six sources (two of them IPv6) holding 45 s connections at 5 s sampling, beside a web server's connection.
    const ips = [...spread(4), '2001:db8:7::1', '2001:db8:8::1'];
    const conns = ips.map((ip, i) => ({ ip, port: 40_000 + i, inode: 7000 + i, start: T0 + i * 20 * S + 2 * S }));
    const tablesAt = (t: number) => {
      const open = conns.filter((c) => c.start <= t && t < c.start + 45 * S);
      const { tcp, tcp6 } = tcpTables(open);
      const web =
        '   9: 0A02000F:01BB 0B00000A:C000 01 00000000:00000000 00:00000000 00000000    33        0 99 1 0 20 4 30 10 -1';
      return { tcp: `${tcp}${web}\n`, tcp6 };
    };
    const times = Array.from({ length: 60 }, (_, k) => T0 - 5 * S + k * 5 * S);
    const live = setup(ips);
    const liveOut = times.flatMap((t) =>
      live.signal.observe(sampleTables(tablesAt(t), t, () => true, { ports: new Set([22]), outbound: true })),
    );
    for (const ports of [null, new Set([22])]) {
      const text = times
        .map((t) => formatTraceBlock(t, filterTable(tablesAt(t).tcp, ports), filterTable(tablesAt(t).tcp6, ports)))
        .join('');
      const replay = setup(ips);
      const replayOut: string[] = [];
      for await (const sample of readSocketTrace(text.split('\n'))) replayOut.push(...replay.signal.observe(sample));
      expect(replayOut).toEqual(liveOut);
      expect(replay.signal.snapshot()).toEqual(live.signal.snapshot());
      expect(ips.map((ip) => replay.table.get(ip)!.lifetime)).toEqual(ips.map((ip) => live.table.get(ip)!.lifetime));
    }
    expect(ips.map((ip) => live.table.get(ip)!.lifetime)).toEqual(ips.map(() => 40 * S));
    const end = times.at(-1)!;
    expect(ips.map((ip) => live.signal.test(live.table.get(ip)!, end))).toEqual(ips.map(() => '8'));
  });
});

describe('socket lifetimes across a restart of the service (review: the first sample had no listeners before it)', () => {
  it("keeps timing sshd's sessions when the first sample after a restart finds sshd restarting too", () => {
    // Five sources' sessions opened at T0, open for ten minutes; the service saved and restarted at T0 + 60 s, its
    // first sample after finding sshd's listener gone for a moment (sshd upgraded in the same run, say).
    const ips = spread(5);
    const { table, signal } = setup(ips);
    const peers = ips.map((ip, i) => [ip, 40_000 + i] as const);
    const at = (t: number, listening = true) => {
      const rows = sample(t, t < T0 ? [] : peers).rows.map((row) => ({ ...row, inode: row.remotePort || row.inode }));
      return { time: t, rows: listening ? rows : rows.filter((row) => row.state !== 'LISTEN') };
    };
    for (let t = T0 - 5 * S; t <= T0 + 60 * S; t += 5 * S) signal.observe(at(t));
    const env: SignalEnv = { thresholds: THRESHOLDS, source: (ip) => table.get(ip), prefixHasSuccess: () => false };
    const restarted = new SocketLifetimeSignal({}, env, JSON.parse(JSON.stringify(signal.snapshot())));
    const rejudge = [...restarted.observe(at(T0 + 65 * S, false))];
    for (let t = T0 + 70 * S; t <= T0 + 120 * S; t += 5 * S) rejudge.push(...restarted.observe(at(t)));
    // None of them closed: no lifetime, nothing shared.
    expect(ips.map((ip) => table.get(ip)!.lifetime)).toEqual(ips.map((ip) => source(ip).lifetime));
    expect(rejudge).toEqual([]);
  });
});
