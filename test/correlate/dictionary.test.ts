import { describe, expect, it } from 'vitest';
import { nameHash, nameOrderKey } from '../../src/correlate/name-key.js';
import { DictionarySignal } from '../../src/correlate/signals/dictionary.js';
import { HOUR, MIN, source, spread, T0 } from './helpers.js';

function tried(signal: DictionarySignal, ip: string, name: string, time: number) {
  const src = source(ip, time);
  src.addName(nameHash(name));
  src.last = time;
  return { src, rejudge: signal.observe(src, nameHash(name), time) };
}

describe('dictionary signal', () => {
  it('shares a name once enough distinct sources tried it, and hands back those sources at that moment', () => {
    const signal = new DictionarySignal({ dictionary_min_sources: 3 });
    const [a, b, c] = spread(3);
    const first = tried(signal, a!, 'oracle', T0);
    expect(first.rejudge).toEqual([]);
    expect(signal.test(first.src, T0)).toBeNull();
    tried(signal, b!, 'oracle', T0 + MIN);
    expect(signal.test(first.src, T0 + MIN)).toBeNull();
    const third = tried(signal, c!, 'oracle', T0 + 2 * MIN);
    expect([...third.rejudge].sort()).toEqual([a, b, c].sort());
    expect(signal.test(first.src, T0 + 2 * MIN)).toBe('');
  });

  it('counts one source once however often it tries the name', () => {
    const signal = new DictionarySignal({ dictionary_min_sources: 3 });
    for (let i = 0; i < 10; i++) tried(signal, '100.1.1.1', 'oracle', T0 + i * MIN);
    expect(signal.isShared(nameHash('oracle'), T0 + 10 * MIN)).toBe(false);
  });

  it('never counts a name someone logged in with successfully', () => {
    const signal = new DictionarySignal({ dictionary_min_sources: 2 });
    signal.learnLegit(nameHash('alice'), T0);
    for (const ip of spread(5)) tried(signal, ip, 'alice', T0 + MIN);
    expect(signal.isShared(nameHash('alice'), T0 + MIN)).toBe(false);
  });

  it('stops counting a name once someone logs in with it, for the sources that tried it before too', () => {
    // Found by a mutation audit (2026-11-24): isShared without its legit check survived every test, which all
    // learned the login before the tries. A real user's name tried by three scanners, then the user logs in.
    const signal = new DictionarySignal({ dictionary_min_sources: 3 });
    const [first] = spread(3).map((ip, i) => tried(signal, ip, 'jenkins', T0 + i * MIN).src);
    expect(signal.test(first!, T0 + 3 * MIN)).toBe('');
    signal.learnLegit(nameHash('jenkins'), T0 + 4 * MIN);
    expect(signal.isShared(nameHash('jenkins'), T0 + 5 * MIN)).toBe(false);
    expect(signal.test(first!, T0 + 5 * MIN)).toBeNull();
  });

  it('lets a name go when its sources fall out of the window', () => {
    const signal = new DictionarySignal({ dictionary_min_sources: 2, dictionary_window: HOUR });
    for (const ip of spread(2)) tried(signal, ip, 'guest', T0);
    expect(signal.isShared(nameHash('guest'), T0 + 30 * MIN)).toBe(true);
    expect(signal.isShared(nameHash('guest'), T0 + 2 * HOUR)).toBe(false);
  });

  it('keeps names as hashes and order keys, never as text', () => {
    expect(nameHash('root')).toBe(nameHash('root'));
    expect(nameHash('root')).not.toBe(nameHash('r00t'));
    expect(nameOrderKey('admin')).toBeLessThan(nameOrderKey('backup'));
    expect(nameOrderKey('Zeta')).toBeGreaterThan(nameOrderKey('alpha'));
    const signal = new DictionarySignal({});
    tried(signal, '100.1.1.1', 'from 10.0.0.1 port 22', T0);
    expect(JSON.stringify(signal.snapshot())).not.toContain('10.0.0.1');
  });
});
