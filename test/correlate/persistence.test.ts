import { describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
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

  it('draws the line at maxretry itself: maxretry - 1 in a window stays persistent, maxretry does not', () => {
    // Found by hand mutation testing: the test above passes maxretry + 1 in one window, so `<=` for `<` survived.
    const judge = (inWindow: number) => {
      const signal = new PersistenceSignal({}, env);
      const src = source('100.1.1.1');
      for (const t of [0, 12].map((m) => T0 + m * MIN)) signal.observe(src, t, 1);
      signal.observe(src, T0 + 25 * MIN, inWindow);
      return signal.isPersistent(src);
    };
    expect(judge(THRESHOLDS.maxretry - 1)).toBe(true);
    expect(judge(THRESHOLDS.maxretry)).toBe(false);
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

  it("judges a source by fail2ban's count: two unknown-user tries a window stay under, three do not", async () => {
    const { CampaignDetector } = await import('../../src/correlate/campaign-detector.js');
    const { failure } = await import('./helpers.js');
    // The parser's two events for one unknown-user try: `Invalid user` (count 1), `Failed password` (count 0).
    const tryAsUnknown = (ip: string, t: number): AuthEvent[] => [
      { ...failure(ip, t, 'nobody-here'), reason: 'invalid-user' },
      { ...failure(ip, t + 2000, 'nobody-here'), count: 0 },
    ];
    const run = (perWindow: number) => {
      const detector = new CampaignDetector({}, THRESHOLDS);
      for (let w = 0; w < 4; w++)
        for (let k = 0; k < perWindow; k++)
          for (const e of tryAsUnknown('100.2.2.2', T0 + w * 10 * MIN + k * 2 * MIN)) detector.onAuthEvent(e);
      const s = detector.sources.get('100.2.2.2')!;
      return { attempts: s.attempts, winMax: s.winMax, persistent: detector.signals.persistence.isPersistent(s) };
    };
    expect(run(2)).toEqual({ attempts: 8, winMax: 4, persistent: true });
    // 3 attempts per window is under maxretry 5 by our count, but fail2ban counts 6 and bans it itself.
    expect(run(3)).toEqual({ attempts: 12, winMax: 6, persistent: false });
  });
});
