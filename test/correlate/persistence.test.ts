import { describe, expect, it } from 'vitest';
import { PersistenceSignal } from '../../src/correlate/signals/persistence.js';
import type { SignalEnv } from '../../src/correlate/signals/signal.js';
import { MIN, source, spread, T0, THRESHOLDS } from './helpers.js';

const env: SignalEnv = { thresholds: THRESHOLDS, source: () => undefined, prefixHasSuccess: () => false };

describe('persistence signal', () => {
  it('marks a source failing in several findtime windows while staying under maxretry in each', () => {
    const signal = new PersistenceSignal({}, env);
    const src = source('100.1.1.1');
    for (const t of [0, 12, 25, 40].map((m) => T0 + m * MIN)) signal.observe(src, t, 2);
    expect(src.windows).toBe(4);
    expect(src.winMax).toBe(2);
    expect(signal.isPersistent(src)).toBe(true);
  });

  it("leaves a source that reached fail2ban's maxretry in one window to fail2ban", () => {
    const signal = new PersistenceSignal({}, env);
    const src = source('100.1.1.1');
    for (const t of [0, 12, 25].map((m) => T0 + m * MIN)) signal.observe(src, t, 1);
    signal.observe(src, T0 + 26 * MIN, THRESHOLDS.maxretry);
    expect(signal.isPersistent(src)).toBe(false);
  });

  it('is a shared signal only when enough sources are persistent at once', () => {
    const signal = new PersistenceSignal({ persistence_min_sources: 3 }, env);
    const sources = spread(3).map((ip) => source(ip));
    const feed = (n: number) => {
      for (const t of [0, 12, 25].map((m) => T0 + m * MIN)) {
        sources[n]!.last = t;
        signal.observe(sources[n]!, t, 1);
      }
    };
    feed(0);
    feed(1);
    expect(signal.test(sources[0]!, T0 + 26 * MIN)).toBeNull();
    feed(2);
    expect(signal.test(sources[0]!, T0 + 26 * MIN)).toBe('');
  });
});
