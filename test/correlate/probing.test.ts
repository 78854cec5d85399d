import { describe, expect, it } from 'vitest';
import { ProbingSignal } from '../../src/correlate/signals/probing.js';
import { MIN, source, spread, T0 } from './helpers.js';

describe('probing signal', () => {
  it('is shared when five sources only connect and close, and hands them back when that happens', () => {
    const signal = new ProbingSignal({});
    const sources = spread(5).map((ip) => source(ip));
    let rejudge: readonly string[] = [];
    for (const src of sources) {
      for (let k = 0; k < 2; k++) {
        src.probes++;
        src.last = T0 + k * MIN;
        rejudge = signal.observe(src, src.last);
      }
    }
    expect([...rejudge].sort()).toEqual(spread(5).sort());
    expect(signal.test(sources[0]!, T0 + 2 * MIN)).toBe('');
  });

  it('does not count a source that also tried to authenticate, nor a single probe', () => {
    const signal = new ProbingSignal({ probing_min_sources: 1 });
    const tried = source('100.1.1.1');
    tried.probes = 5;
    tried.attempts = 1;
    signal.observe(tried, T0);
    expect(signal.test(tried, T0)).toBeNull();
    const once = source('101.1.1.1');
    once.probes = 1;
    signal.observe(once, T0);
    expect(signal.test(once, T0)).toBeNull();
  });
});
