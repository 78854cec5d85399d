import { describe, expect, it } from 'vitest';
import type { SignalEnv } from '../../src/correlate/signals/signal.js';
import { SynchronySignal } from '../../src/correlate/signals/synchrony.js';
import type { SourceState } from '../../src/correlate/source-state.js';
import { MIN, S, source, spread, T0, THRESHOLDS } from './helpers.js';

function setup() {
  const table = new Map<string, SourceState>();
  const env: SignalEnv = { thresholds: THRESHOLDS, source: (ip) => table.get(ip), prefixHasSuccess: () => false };
  const signal = new SynchronySignal({}, env);
  const act = (ip: string, time: number) => {
    let src = table.get(ip);
    if (!src) {
      src = source(ip, time);
      table.set(ip, src);
    }
    src.probes++;
    src.events++;
    src.last = time;
    return signal.observe(src, time);
  };
  return { table, signal, act };
}

describe('synchrony signal', () => {
  it('sees a burst when five distinct sources act within three seconds, and counts everyone in it', () => {
    const { table, act } = setup();
    const ips = spread(5);
    const rejudge = ips.flatMap((ip, i) => act(ip, T0 + i * 500));
    expect([...new Set(rejudge)].sort()).toEqual([...ips].sort());
    expect(ips.every((ip) => table.get(ip)!.bursts === 1 && table.get(ip)!.syncEvents === 1)).toBe(true);
  });

  it('does not see a burst in five sources spread over a minute', () => {
    const { table, act } = setup();
    for (const [i, ip] of spread(5).entries()) act(ip, T0 + i * 15 * S);
    expect([...table.values()].every((s) => s.bursts === 0)).toBe(true);
  });

  it('marks sources that act mostly inside repeated bursts, not a probe that sometimes coincides with one', () => {
    const { table, signal, act } = setup();
    const recon = spread(6);
    const monitor = '159.89.201.17';
    for (let m = 0; m < 20; m++) {
      act(monitor, T0 + m * MIN + 30 * S); // every minute, mid-way between bursts...
      if (m % 5 === 0) act(monitor, T0 + m * MIN + 41 * S); // ...except now and then, inside one
      for (const [i, ip] of recon.entries()) act(ip, T0 + m * MIN + 40 * S + i * 300);
    }
    const now = T0 + 20 * MIN;
    expect(recon.every((ip) => signal.test(table.get(ip)!, now) === '')).toBe(true);
    expect(table.get(monitor)!.bursts).toBeGreaterThanOrEqual(2);
    expect(signal.test(table.get(monitor)!, now)).toBeNull();
  });

  it('does not count for a source keeping a schedule of its own: anyone can burst around its visits', () => {
    // A monitoring probe every minute, each probe surrounded by a burst of five attacker addresses: every one of its
    // events falls in a burst. Judged predictable (predictable-sources.ts), it shows no synchrony; the attackers do.
    const { table, signal, act } = setup();
    const recon = spread(5);
    const monitor = '159.89.201.17';
    for (let m = 0; m < 10; m++) {
      for (const [i, ip] of recon.entries()) act(ip, T0 + m * MIN + i * 300);
      act(monitor, T0 + m * MIN + 1600);
    }
    const now = T0 + 10 * MIN;
    const probe = table.get(monitor)!;
    expect(probe.syncEvents).toBe(probe.events);
    expect(signal.test(probe, now)).toBe('');
    probe.predictable = 1;
    expect(signal.test(probe, now)).toBeNull();
    expect(recon.every((ip) => signal.test(table.get(ip)!, now) === '')).toBe(true);
  });
});
