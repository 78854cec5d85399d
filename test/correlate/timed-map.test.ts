import { describe, expect, it } from 'vitest';
import { TimedMap } from '../../src/correlate/timed-map.js';

describe('TimedMap', () => {
  it('keeps at most max keys, dropping the one stamped longest ago', () => {
    const m = new TimedMap(3);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    m.set('a', 4); // a is now the freshest
    m.set('d', 5); // evicts b, the stalest
    expect(m.entries()).toEqual([
      ['c', 3],
      ['a', 4],
      ['d', 5],
    ]);
    m.set('e', 6); // evicts c
    expect(m.has('c')).toBe(false);
    expect(m.size).toBe(3);
  });

  it('stays bounded and fast when the same keys are re-stamped over and over (a campaign re-banning members)', () => {
    const m = new TimedMap(1000);
    for (let t = 0; t < 200_000; t++) m.set(`10.0.${(t * 7) % 1500}`, t);
    expect(m.size).toBe(1000);
    // The 1000 most recently stamped of the 1500 keys.
    const kept = new Set(m.entries().map(([k]) => k));
    for (let t = 200_000 - 1000; t < 200_000; t++) expect(kept.has(`10.0.${(t * 7) % 1500}`)).toBe(true);
  });

  it('snapshots oldest first whatever the history, and a restored map snapshots the same', () => {
    const a = new TimedMap(4);
    for (const [k, t] of [
      ['x', 5],
      ['y', 1],
      ['z', 3],
      ['y', 7],
    ] as const)
      a.set(k, t);
    const b = new TimedMap(4, JSON.parse(JSON.stringify(a.entries())) as Array<[string, number]>);
    expect(b.entries()).toEqual(a.entries());
    expect(a.entries().map(([, t]) => t)).toEqual([3, 5, 7]);
  });
});
