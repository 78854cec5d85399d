import { describe, expect, it } from 'vitest';
import { maskSize, maskText, SIGNALS, signalBit } from '../../src/correlate/signals/signal.js';

describe('signal masks', () => {
  it('count their signals and name them in SIGNALS order, as verdicts list them', () => {
    const mask = signalBit('surge') | signalBit('rhythm') | signalBit('locality');
    expect(maskSize(mask)).toBe(3);
    expect(maskText(mask)).toBe('rhythm+locality+surge');
    expect(maskText(0)).toBe('');
    const all = SIGNALS.reduce((m, name) => m | signalBit(name), 0);
    expect([maskSize(all), maskText(all)]).toEqual([SIGNALS.length, SIGNALS.join('+')]);
  });
});
