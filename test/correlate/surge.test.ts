import { describe, expect, it } from 'vitest';
import { SurgeSignal } from '../../src/correlate/signals/surge.js';
import { Rng } from '../../src/simulate/rng.js';
import { HOUR, MIN, source, T0 } from './helpers.js';

/** Poisson-distributed count with mean `mean` (Knuth), from a seeded generator. */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rng.next(); p > limit; p *= rng.next()) k++;
  return k;
}

/** Feeds `perMinute(m)` distinct failing sources in each minute m of [from, to). */
function feed(signal: SurgeSignal, from: number, to: number, perMinute: (m: number) => number, tag: string): void {
  for (let m = from; m < to; m++) {
    const n = perMinute(m);
    for (let i = 0; i < n; i++) signal.observe(source(`${tag}-${m}-${i}`), T0 + m * MIN + i * 100);
  }
  signal.roll(T0 + to * MIN);
}

describe('surge signal (CUSUM)', () => {
  it('stays quiet over three days of a noisy Poisson baseline', () => {
    const signal = new SurgeSignal({});
    const rng = new Rng(42);
    feed(signal, 0, 3 * 24 * 60, () => poisson(rng, 0.6), 'b');
    expect(signal.alarms).toBe(0);
  });

  it('alarms within minutes when failing sources per minute jump, and ends after the campaign', () => {
    const signal = new SurgeSignal({});
    const rng = new Rng(7);
    feed(signal, 0, 6 * 60, () => poisson(rng, 0.5), 'b');
    expect(signal.active).toBe(false);
    feed(signal, 6 * 60, 6 * 60 + 5, () => 6, 'c');
    expect(signal.active).toBe(true);
    expect(signal.start).toBeGreaterThanOrEqual(T0 + 6 * HOUR);
    feed(signal, 6 * 60 + 5, 8 * 60, () => poisson(rng, 0.5), 'd');
    expect(signal.active).toBe(false);
    expect(signal.alarms).toBe(1);
  });

  it('raises no alarm before surge_warmup of baseline is learned, and the same rise alarms after it', () => {
    // Found by hand mutation testing: no test started a rise inside the warm-up, so dropping it survived.
    const early = new SurgeSignal({});
    const rng = new Rng(11);
    feed(early, 0, 30, () => poisson(rng, 0.5), 'b');
    feed(early, 30, 40, () => 8, 'c');
    expect(early.alarms).toBe(0);
    const later = new SurgeSignal({});
    feed(later, 0, 70, () => poisson(rng, 0.5), 'b');
    feed(later, 70, 80, () => 8, 'c');
    expect(later.alarms).toBe(1);
  });

  it('counts a source once per minute, so one brute-forcer does not look like a site-wide surge', () => {
    const signal = new SurgeSignal({});
    const hammer = source('100.1.1.1');
    for (let m = 0; m < 60; m++) for (let i = 0; i < 30; i++) signal.observe(hammer, T0 + m * MIN + i * 1000);
    signal.roll(T0 + 61 * MIN);
    expect(signal.alarms).toBe(0);
  });
});
