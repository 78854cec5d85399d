import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SharedIndex } from '../../src/correlate/shared-index.js';

/**
 * The straightforward semantics the optimised index must keep (its first version, before in-place rewrites):
 * per key, sources newest last with their last time, a source moved to the end when seen again, entries older than
 * the window or beyond maxPerKey dropped from the front; hits capped at hitCap, newest kept.
 */
class ReferenceIndex {
  private readonly keys = new Map<string, { ips: string[]; times: number[]; hits: number[] }>();
  constructor(
    private readonly window: number,
    private readonly maxPerKey: number,
    private readonly hitCap: number,
  ) {}

  add(key: string, source: string, time: number, hits: number): number {
    let e = this.keys.get(key);
    if (!e) {
      e = { ips: [], times: [], hits: [] };
      this.keys.set(key, e);
    }
    const at = e.ips.lastIndexOf(source);
    if (at >= 0) {
      e.ips.splice(at, 1);
      e.times.splice(at, 1);
    }
    e.ips.push(source);
    e.times.push(time);
    for (let i = 0; i < Math.min(hits, this.hitCap); i++) e.hits.push(time);
    if (e.hits.length > this.hitCap) e.hits.splice(0, e.hits.length - this.hitCap);
    const cutoff = time - this.window;
    while (e.ips.length > 0 && (e.ips.length > this.maxPerKey || e.times[0]! < cutoff)) {
      e.ips.shift();
      e.times.shift();
    }
    return e.ips.length;
  }

  remove(key: string, source: string): void {
    const e = this.keys.get(key);
    const at = e ? e.ips.lastIndexOf(source) : -1;
    if (e && at >= 0) {
      e.ips.splice(at, 1);
      e.times.splice(at, 1);
    }
  }

  sources(key: string, now: number): string[] {
    const e = this.keys.get(key);
    return e ? e.ips.filter((_, i) => e.times[i]! >= now - this.window && e.times[i]! <= now) : [];
  }

  hits(key: string): number[] {
    return [...(this.keys.get(key)?.hits ?? [])];
  }
}

const op = fc.oneof(
  fc.record({
    kind: fc.constant('add' as const),
    key: fc.constantFrom('a', 'b', 'c'),
    source: fc.constantFrom('s1', 's2', 's3', 's4', 's5', 's6'),
    dt: fc.integer({ min: 0, max: 40 }),
    hits: fc.integer({ min: 0, max: 4 }),
  }),
  fc.record({
    kind: fc.constant('remove' as const),
    key: fc.constantFrom('a', 'b', 'c'),
    source: fc.constantFrom('s1', 's2', 's3', 's4', 's5', 's6'),
    dt: fc.constant(0),
    hits: fc.constant(0),
  }),
);

describe('SharedIndex', () => {
  it('answers like the reference model after every step, and after a snapshot round trip', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 80 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(0, 3),
        (ops, maxPerKey, hitCap) => {
          const window = 100;
          const real = new SharedIndex(window, 1000, maxPerKey, undefined, { hitCap });
          const model = new ReferenceIndex(window, maxPerKey, hitCap);
          let now = 0;
          for (const o of ops) {
            now += o.dt;
            if (o.kind === 'add')
              expect(real.add(o.key, o.source, now, o.hits)).toBe(model.add(o.key, o.source, now, o.hits));
            else {
              real.remove(o.key, o.source);
              model.remove(o.key, o.source);
            }
            for (const key of ['a', 'b', 'c']) {
              expect(real.sources(key, now)).toEqual(model.sources(key, now));
              expect(real.count(key, now)).toBe(model.sources(key, now).length);
              if (hitCap > 0) expect([...real.hits(key)]).toEqual(model.hits(key));
            }
          }
          const restored = new SharedIndex(window, 1000, maxPerKey, JSON.parse(JSON.stringify(real.snapshot())), {
            hitCap,
          });
          for (const key of ['a', 'b', 'c']) expect(restored.sources(key, now)).toEqual(model.sources(key, now));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('drops the least recently used key when full, and gives its place to the new key empty', () => {
    const index = new SharedIndex(1000, 2, 4, undefined, { hitCap: 3 });
    index.add('a', 's1', 1, 2);
    index.add('b', 's2', 2, 3);
    index.add('a', 's3', 3);
    index.add('c', 's4', 4, 1);
    expect([index.size, index.sources('b', 4), index.hits('b')]).toEqual([2, [], []]);
    expect(index.sources('a', 4)).toEqual(['s1', 's3']);
    expect([index.sources('c', 4), index.hits('c'), index.hasHits('c', 1, 4), index.hasHits('c', 2, 0)]).toEqual([
      ['s4'],
      [4],
      true,
      false,
    ]);
    expect(index.hasHits('a', 2, 1)).toBe(true);
    expect(index.hasHits('a', 2, 2)).toBe(false);
  });
});
