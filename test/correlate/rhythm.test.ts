import { describe, expect, it } from 'vitest';
import { bucketSeconds, RhythmSignal, rhythmBucket } from '../../src/correlate/signals/rhythm.js';
import { MIN, S, source, spread, T0 } from './helpers.js';

function times(start: number, gaps: readonly number[]): number[] {
  const out = [start];
  for (const gap of gaps) out.push(out[out.length - 1]! + gap);
  return out;
}

describe('rhythm signal', () => {
  const signal = new RhythmSignal({});

  it('finds the period of regular attempts with jitter, within a 10% bucket', () => {
    const b = signal.bucketOf(times(T0, [160 * S, 175 * S]));
    expect(b).toBe(rhythmBucket(167.5 * S));
    expect(Math.abs(bucketSeconds(b) - 167)).toBeLessThan(10);
    expect(rhythmBucket(167 * S)).not.toBe(rhythmBucket(300 * S));
  });

  it('does not call a human retrying a password, or irregular attempts, a rhythm', () => {
    expect(signal.bucketOf(times(T0, [6 * S, 11 * S]))).toBe(-1); // faster than rhythm_min_interval
    expect(signal.bucketOf(times(T0, [60 * S, 400 * S, 90 * S]))).toBe(-1); // MAD far above 10%
    expect(signal.bucketOf(times(T0, [167 * S]))).toBe(-1); // one interval is not a rhythm
  });

  it('counts a bot pacing at exactly rhythm_min_interval (30 s) as a rhythm, and one just faster as none', () => {
    // Found by a mutation audit (2026-11-24): `<=` for `<` at the minimum interval survived every test.
    expect(signal.bucketOf(times(T0, [30 * S, 30 * S, 30 * S]))).toBe(rhythmBucket(30 * S));
    expect(signal.bucketOf(times(T0, [30 * S - 1, 30 * S - 1, 30 * S - 1]))).toBe(-1);
  });

  it('allows a spread of rhythm_jitter at any tempo, and of rhythm_tolerance x the median when that is more', () => {
    // Found by a mutation audit (2026-11-24): Math.min for Math.max in the regularity bound survived every test.
    // 60 s with 10 s of network jitter either way: MAD 10 s, within the 15 s jitter though above 10% of 60 s.
    expect(signal.bucketOf(times(T0, [50 * S, 60 * S, 70 * S]))).toBe(rhythmBucket(60 * S));
    // 10 min give or take 50 s: MAD 50 s, above the 15 s jitter but within 10% of the median.
    expect(signal.bucketOf(times(T0, [550 * S, 600 * S, 650 * S]))).toBe(rhythmBucket(600 * S));
    // Past both: MAD 70 s at a median of 10 min.
    expect(signal.bucketOf(times(T0, [530 * S, 600 * S, 670 * S]))).toBe(-1);
  });

  it('rejects a lopsided spread by its quartile skew', () => {
    // Median 100 s, MAD 2 s (regular by MAD), but the upper quartile is stretched far more than the lower.
    const lopsided = times(T0, [99 * S, 100 * S, 100 * S, 101 * S, 200 * S]);
    expect(signal.bucketOf(lopsided)).toBe(-1);
    expect(signal.bucketOf(times(T0, [99 * S, 100 * S, 101 * S, 100 * S]))).toBeGreaterThan(0);
  });

  it('is shared only when enough sources keep the same tempo', () => {
    const s = new RhythmSignal({ rhythm_min_sources: 5 });
    const sources = spread(5).map((ip) => source(ip));
    sources.forEach((src, i) => {
      src.times = times(T0 + i * MIN, [165 * S + i * S, 170 * S - i * S]);
      src.last = src.times[2]!;
      s.observe(src, src.last);
    });
    const now = T0 + 20 * MIN;
    expect(sources.slice(0, 4).every((src) => s.test(src, now) !== null)).toBe(true);
    const fresh = new RhythmSignal({ rhythm_min_sources: 5 });
    for (const src of sources.slice(0, 4)) fresh.observe(src, src.last);
    expect(fresh.test(sources[0]!, now)).toBeNull();
  });

  it('returns the sources to re-judge when a bucket just became shared', () => {
    const s = new RhythmSignal({ rhythm_min_sources: 3 });
    const out: Array<readonly string[]> = [];
    for (const [i, ip] of spread(3).entries()) {
      const src = source(ip);
      src.times = times(T0, [200 * S, 201 * S]);
      src.last = src.times[2]!;
      out.push(s.observe(src, src.last + i));
    }
    expect(out[0]).toEqual([]);
    expect(out[1]).toEqual([]);
    expect([...out[2]!].sort()).toEqual(spread(3).sort());
  });

  it('does not count for a source keeping a schedule of its own: anyone can keep its period', () => {
    // Five sources in one bucket; the first is a cron job (predictable-sources.ts judged it so). Four attackers
    // keeping its period make the rhythm shared for all five, but that says nothing about the cron job.
    const s = new RhythmSignal({ rhythm_min_sources: 5 });
    const sources = spread(5).map((ip) => source(ip));
    for (const src of sources) {
      src.times = times(T0, [300 * S, 300 * S, 300 * S]);
      src.last = src.times[3]!;
      s.observe(src, src.last);
    }
    const now = sources[0]!.last + MIN;
    expect(s.test(sources[0]!, now)).not.toBeNull();
    sources[0]!.predictable = 1;
    expect(s.test(sources[0]!, now)).toBeNull();
    expect(s.test(sources[1]!, now)).not.toBeNull();
  });

  it('forgets a source after the window', () => {
    const s = new RhythmSignal({ rhythm_min_sources: 2, rhythm_window: 60 * MIN });
    const a = source('100.1.1.1');
    const b = source('101.1.1.1');
    for (const src of [a, b]) {
      src.times = times(T0, [100 * S, 100 * S]);
      src.last = src.times[2]!;
      s.observe(src, src.last);
    }
    expect(s.test(a, a.last + MIN)).not.toBeNull();
    expect(s.test(a, a.last + 2 * 60 * MIN)).toBeNull();
  });
});
