import { describe, expect, it } from 'vitest';
import { nameOrderKey } from '../../src/correlate/name-key.js';
import { OrderedNamesSignal } from '../../src/correlate/signals/ordered-names.js';
import type { SourceState } from '../../src/correlate/source-state.js';
import { MIN, source, spread, T0 } from './helpers.js';

function walk(
  signal: OrderedNamesSignal,
  src: SourceState,
  names: readonly string[],
  start: number,
): readonly string[] {
  let out: readonly string[] = [];
  names.forEach((name, i) => {
    src.last = start + i * MIN;
    out = signal.observe(src, nameOrderKey(name), src.last);
  });
  return out;
}

describe('ordered-names signal', () => {
  it('counts a run of names in ascending alphabetical order, and restarts when the order breaks', () => {
    const signal = new OrderedNamesSignal({});
    const src = source('100.1.1.1');
    walk(signal, src, ['abel', 'adam', 'amber'], T0);
    expect(src.ascRun).toBe(3);
    walk(signal, src, ['aaron'], T0 + 5 * MIN);
    expect(src.ascRun).toBe(1);
  });

  it('is shared when several sources walk in order at once, not for one', () => {
    const signal = new OrderedNamesSignal({ ordered_min_sources: 3 });
    const sources = spread(3).map((ip) => source(ip));
    walk(signal, sources[0]!, ['carl', 'dana', 'eric'], T0);
    expect(signal.test(sources[0]!, T0 + 3 * MIN)).toBeNull();
    walk(signal, sources[1]!, ['cara', 'dean', 'emma'], T0);
    const rejudge = walk(signal, sources[2]!, ['cole', 'dina', 'erin'], T0);
    expect([...rejudge].sort()).toEqual(spread(3).sort());
    expect(signal.test(sources[0]!, T0 + 3 * MIN)).toBe('');
  });

  it('does not see order in a user trying the same few names', () => {
    const signal = new OrderedNamesSignal({});
    const src = source('100.1.1.1');
    walk(signal, src, ['root', 'admin', 'root'], T0);
    expect(src.ascRun).toBeLessThan(3);
  });
});
