import { describe, expect, it } from 'vitest';
import type { SignalEnv } from '../../src/correlate/signals/signal.js';
import { SocketLifetimeSignal } from '../../src/correlate/signals/socket-lifetime.js';
import type { SourceState } from '../../src/correlate/source-state.js';
import { S, sample, source, spread, T0, THRESHOLDS } from './helpers.js';

function setup(ips: readonly string[], values: Record<string, unknown> = {}) {
  const table = new Map<string, SourceState>(ips.map((ip) => [ip, source(ip)]));
  const env: SignalEnv = { thresholds: THRESHOLDS, source: (ip) => table.get(ip), prefixHasSuccess: () => false };
  return { table, signal: new SocketLifetimeSignal(values, env) };
}

/** Samples every 5 s; each peer's connection is open for `life` ms starting at its offset. */
function run(
  signal: SocketLifetimeSignal,
  peers: ReadonlyArray<[ip: string, start: number, life: number]>,
  until: number,
): string[] {
  const out: string[] = [];
  for (let t = T0; t <= until; t += 5 * S) {
    const open = peers
      .map(([ip, start, life], i) => [ip, 40_000 + i, start, life] as const)
      .filter(([, , start, life]) => start <= t && t < start + life)
      .map(([ip, port]) => [ip, port] as const);
    out.push(...signal.observe(sample(t, open)));
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
