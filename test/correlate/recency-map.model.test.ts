import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecencyMap } from '../../src/correlate/recency-map.js';

/** The reference: a Map kept in recency order, as the detector kept members, successes and recent sources. */
class MapRecency {
  readonly map = new Map<string, number>();
  constructor(private readonly max: number) {}
  touch(key: string, time: number): void {
    this.map.delete(key);
    this.map.set(key, time);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

/** `again`: the key touched last is touched again (the lines of one connection), which touch() shortcuts. */
type Op = { touch: number; step: number } | { remove: number } | { again: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ touch: fc.integer({ min: 0, max: 30 }), step: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ remove: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 2, arbitrary: fc.record({ again: fc.integer({ min: 0, max: 5 }) }) },
);

describe('RecencyMap', () => {
  it('answers as a Map kept in recency order, under any sequence of touches and deletions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 400 }), (max, ops) => {
        const map = new RecencyMap(max);
        const model = new MapRecency(max);
        let time = 0;
        let last = 'k0';
        for (const o of ops) {
          if ('touch' in o || 'again' in o) {
            time += 'touch' in o ? o.step : o.again;
            if ('touch' in o) last = `k${o.touch}`;
            map.touch(last, time);
            model.touch(last, time);
          } else {
            map.delete(`k${o.remove}`);
            model.map.delete(`k${o.remove}`);
          }
          expect(map.size).toBe(model.map.size);
        }
        expect(map.entries()).toEqual([...model.map]);
        expect(map.first()).toEqual([...model.map][0]);
        for (let k = 0; k <= 30; k++) {
          expect(map.get(`k${k}`)).toBe(model.map.get(`k${k}`));
          expect(map.has(`k${k}`)).toBe(model.map.has(`k${k}`));
        }
        // A restored map goes on exactly like the original.
        const restored = new RecencyMap(max, JSON.parse(JSON.stringify(map.entries())) as Array<[string, number]>);
        restored.touch('k99', time + 1);
        map.touch('k99', time + 1);
        expect(restored.entries()).toEqual(map.entries());
      }),
      { numRuns: 500 },
    );
  });

  it('stays small when the same few keys are touched forever, and when keys keep being deleted', () => {
    const map = new RecencyMap(1024);
    for (let i = 0; i < 100_000; i++) map.touch(`k${i % 10}`, i);
    expect(map.size).toBe(10);
    for (let i = 0; i < 100_000; i++) {
      map.touch(`d${i}`, i);
      map.delete(`d${i}`);
    }
    expect(map.size).toBe(10);
    expect((map as unknown as { keys: string[] }).keys.length).toBeLessThan(2 * 10 + 64 + 2);
  });

  it('keeps its queue bounded under a flood of new keys (each evicting the oldest)', () => {
    const map = new RecencyMap(1000);
    for (let i = 0; i < 200_000; i++) map.touch(`n${i}`, i);
    expect(map.size).toBe(1000);
    expect((map as unknown as { keys: string[] }).keys.length).toBeLessThanOrEqual(2 * 1000 + 64);
    expect(map.entries()[0]).toEqual(['n199000', 199_000]);
  });

  it('a campaign re-banning its members: bounded, keeping the most recent', () => {
    const map = new RecencyMap(1000);
    for (let t = 0; t < 200_000; t++) map.touch(`10.0.${(t * 7) % 1500}`, t);
    expect(map.size).toBe(1000);
    const kept = new Set(map.entries().map(([k]) => k));
    for (let t = 200_000 - 1000; t < 200_000; t++) expect(kept.has(`10.0.${(t * 7) % 1500}`)).toBe(true);
  });
});
