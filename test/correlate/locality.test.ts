import { describe, expect, it } from 'vitest';
import { blockText, neighbourPrefix, providerPrefix } from '../../src/correlate/ip-prefix.js';
import { LocalitySignal } from '../../src/correlate/signals/locality.js';
import type { SignalEnv } from '../../src/correlate/signals/signal.js';
import type { SourceState } from '../../src/correlate/source-state.js';
import { S, source, T0, THRESHOLDS } from './helpers.js';

function env(success: Set<string> = new Set()): SignalEnv {
  return { thresholds: THRESHOLDS, source: () => undefined, prefixHasSuccess: (p) => success.has(blockText(p)) };
}

/** Addresses of one block taking turns every 90 s, one attempt each. */
function turns(signal: LocalitySignal, ips: readonly string[], count: number): SourceState[] {
  const sources = ips.map((ip) => source(ip));
  for (let i = 0; i < count; i++) {
    const src = sources[i % sources.length]!;
    src.last = T0 + i * 90 * S;
    src.attempts++;
    signal.observe(src, src.last, 1);
  }
  return sources;
}

describe('locality signal', () => {
  it('names the /24 and /16 of IPv4 addresses and the /64 and /48 of IPv6 ones', () => {
    expect(neighbourPrefix('45.148.10.77')).toBe('45.148.10.0/24');
    expect(providerPrefix('45.148.10.77')).toBe('45.148.0.0/16');
    expect(neighbourPrefix('2001:db8:4b2:10:a:b:c:d')).toBe('2001:db8:4b2:10::/64');
    expect(providerPrefix('2001:db8:4b2:10:a:b:c:d')).toBe('2001:db8:4b2::/48');
    expect(neighbourPrefix('host.example.org')).toBe('');
  });

  it('ties addresses of one /24 taking turns so that the block exceeds maxretry while each stays under', () => {
    const signal = new LocalitySignal({}, env());
    const sources = turns(signal, ['45.148.10.11', '45.148.10.18', '45.148.10.25', '45.148.10.32'], 5);
    const now = T0 + 5 * 90 * S;
    expect(sources.every((s) => s.attempts < THRESHOLDS.maxretry)).toBe(true);
    expect(signal.test(sources[0]!, now)).toBe('45.148.10.0/24');
  });

  it('does not tie two addresses, nor a block whose attempts stay under maxretry per findtime', () => {
    const two = new LocalitySignal({}, env());
    expect(two.test(turns(two, ['45.148.10.11', '45.148.10.18'], 8)[0]!, T0 + 12 * 90 * S)).toBeNull();
    const slow = new LocalitySignal({}, env());
    const sources = ['45.148.10.11', '45.148.10.18', '45.148.10.25'].map((ip) => source(ip));
    sources.forEach((src, i) => {
      for (let k = 0; k < 2; k++) {
        src.last = T0 + (i * 2 + k) * 4 * 60 * S; // one attempt every 4 min for the whole block
        src.attempts++;
        slow.observe(src, src.last, 1);
      }
    });
    expect(slow.test(sources[0]!, T0 + 24 * 60 * S)).toBeNull();
  });

  it('does not treat a block with a recent successful login as an attacker block', () => {
    const signal = new LocalitySignal({}, env(new Set(['45.148.10.0/24', '45.148.0.0/16'])));
    const sources = turns(signal, ['45.148.10.11', '45.148.10.18', '45.148.10.25'], 6);
    expect(signal.test(sources[0]!, T0 + 6 * 90 * S)).toBeNull();
  });

  it('works on IPv6 /64s', () => {
    const signal = new LocalitySignal({}, env());
    const sources = turns(signal, ['2a0e:1:2:3::a', '2a0e:1:2:3::b', '2a0e:1:2:3::c'], 6);
    expect(signal.test(sources[0]!, T0 + 6 * 90 * S)).toBe('2a0e:1:2:3::/64');
  });
});
