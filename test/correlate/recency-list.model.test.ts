import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecencyList } from '../../src/correlate/recency-list.js';

/** The reference: a Map kept in recency order, as the detector used to keep its recent sources. */
class MapRecency {
  readonly map = new Map<string, number>();
  constructor(private readonly max: number) {}
  touch(key: string, time: number): void {
    this.map.delete(key);
    this.map.set(key, time);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

describe('RecencyList', () => {
  it('keeps the same keys, times and order as a Map kept in recency order, under any sequence of touches', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 5 })), { maxLength: 400 }),
        (max, touches) => {
          const list = new RecencyList(max);
          const model = new MapRecency(max);
          let time = 0;
          for (const [key, step] of touches) {
            time += step;
            list.touch(`k${key}`, time);
            model.touch(`k${key}`, time);
            expect(list.size).toBe(model.map.size);
          }
          expect(list.entries()).toEqual([...model.map]);
          // A restored list goes on exactly like the original.
          const restored = new RecencyList(max, JSON.parse(JSON.stringify(list.entries())) as Array<[string, number]>);
          restored.touch('k99', time + 1);
          list.touch('k99', time + 1);
          expect(restored.entries()).toEqual(list.entries());
        },
      ),
      { numRuns: 500 },
    );
  });

  it('stays small when the same few keys are touched forever', () => {
    const list = new RecencyList(1024);
    for (let i = 0; i < 100_000; i++) list.touch(`k${i % 10}`, i);
    expect(list.size).toBe(10);
    expect((list as unknown as { keys: string[] }).keys.length).toBeLessThan(2 * 1024 + 64 + 1);
  });
});
