import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SharedIndex } from '../../src/correlate/shared-index.js';

/**
 * The straightforward semantics the optimised index must keep (its first version, before in-place rewrites):
 * per key, sources newest last with their last time, a source moved to the end when seen again, entries older than
 * the window or beyond maxPerKey dropped from the front; hits capped at hitCap, newest kept.
 */
class ReferenceIndex {
  private readonly keys = new Map<Key, { ips: string[]; times: number[]; hits: number[] }>();
  constructor(
    private readonly window: number,
    private readonly maxPerKey: number,
    private readonly hitCap: number,
  ) {}

  add(key: Key, source: string, time: number, hits: number): number {
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

  remove(key: Key, source: string): void {
    const e = this.keys.get(key);
    const at = e ? e.ips.lastIndexOf(source) : -1;
    if (e && at >= 0) {
      e.ips.splice(at, 1);
      e.times.splice(at, 1);
    }
  }

  sources(key: Key, now: number): string[] {
    const e = this.keys.get(key);
    return e ? e.ips.filter((_, i) => e.times[i]! >= now - this.window && e.times[i]! <= now) : [];
  }

  hits(key: Key): number[] {
    return [...(this.keys.get(key)?.hits ?? [])];
  }
}

type Key = string | number;
/**
 * The keys of a run, by the index the operations name: text (kept in a Map), unsigned 32-bit integers (kept in
 * typed arrays, uint-slots.ts), and a mix with numbers that are not (a Map again).
 */
const KEY_SETS: readonly (readonly Key[])[] = [
  ['a', 'b', 'c'],
  [0, 7, 0xffffffff],
  [5, 'b', -1.5],
];
const JSON_KEYS = { format: (key: Key) => JSON.stringify(key), parse: (text: string) => JSON.parse(text) as Key };

const op = fc.oneof(
  fc.record({
    kind: fc.constant('add' as const),
    key: fc.constantFrom(0, 1, 2),
    source: fc.constantFrom('s1', 's2', 's3', 's4', 's5', 's6'),
    dt: fc.integer({ min: 0, max: 40 }),
    // Up to past the small slots' 4 hits in one go (shared-index.ts), and past a cap of 10.
    hits: fc.integer({ min: 0, max: 12 }),
  }),
  fc.record({
    kind: fc.constant('remove' as const),
    key: fc.constantFrom(0, 1, 2),
    source: fc.constantFrom('s1', 's2', 's3', 's4', 's5', 's6'),
    dt: fc.constant(0),
    hits: fc.constant(0),
  }),
);

describe('SharedIndex', () => {
  it('answers like the reference model after every step, and after a snapshot round trip (keys moved from small slots to large ones included)', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 80 }),
        // Rooms below, at and above the small slots' 2 sources; caps below, at and above their 4 hits.
        fc.constantFrom(1, 2, 3, 5, 16),
        fc.constantFrom(0, 3, 4, 10),
        fc.constantFrom(...KEY_SETS),
        (ops, maxPerKey, hitCap, keys) => {
          const window = 100;
          const real = new SharedIndex<Key>(window, 1000, maxPerKey, undefined, { hitCap, keys: JSON_KEYS });
          const model = new ReferenceIndex(window, maxPerKey, hitCap);
          let now = 0;
          for (const o of ops) {
            now += o.dt;
            const key = keys[o.key]!;
            if (o.kind === 'add')
              expect(real.add(key, o.source, now, o.hits)).toBe(model.add(key, o.source, now, o.hits));
            else {
              real.remove(key, o.source);
              model.remove(key, o.source);
            }
            for (const key of keys) {
              expect(real.sources(key, now)).toEqual(model.sources(key, now));
              expect(real.count(key, now)).toBe(model.sources(key, now).length);
              if (hitCap > 0) expect([...real.hits(key)]).toEqual(model.hits(key));
            }
          }
          const restored = new SharedIndex<Key>(window, 1000, maxPerKey, JSON.parse(JSON.stringify(real.snapshot())), {
            hitCap,
            keys: JSON_KEYS,
          });
          for (const key of keys) expect(restored.sources(key, now)).toEqual(model.sources(key, now));
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

  it('gives a dropped large slot to a later key empty, and keeps a key whole when it outgrows its small slot', () => {
    const index = new SharedIndex(1000, 2, 16, undefined, { hitCap: 10 });
    for (const ip of ['s1', 's2', 's3', 's4']) index.add('a', ip, 1, 2); // a large slot
    expect([index.sources('a', 4), index.hits('a')]).toEqual([
      ['s1', 's2', 's3', 's4'],
      [1, 1, 1, 1, 1, 1, 1, 1],
    ]);
    index.add('b', 's5', 5, 1);
    index.add('c', 's6', 6, 1); // drops 'a', the least recently used
    index.add('b', 's7', 7, 1);
    index.add('b', 's8', 8, 3); // 'b' outgrows its small slot (3 sources, 5 hits), into the large slot 'a' left
    expect([index.sources('a', 8), index.hits('a')]).toEqual([[], []]);
    expect([index.sources('b', 8), index.hits('b'), index.hasHits('b', 5, 5)]).toEqual([
      ['s5', 's7', 's8'],
      [5, 7, 8, 8, 8],
      true,
    ]);
    index.add('d', 's9', 9, 5); // drops 'c'; five hits at once need a large slot
    expect([index.size, index.sources('d', 9), index.hits('d')]).toEqual([2, ['s9'], [9, 9, 9, 9, 9]]);
    const restored = new SharedIndex(1000, 2, 16, JSON.parse(JSON.stringify(index.snapshot())), { hitCap: 10 });
    expect([restored.sources('b', 9), restored.hits('b'), restored.hits('d')]).toEqual([
      ['s5', 's7', 's8'],
      [5, 7, 8, 8, 8],
      [9, 9, 9, 9, 9],
    ]);
  });
});
