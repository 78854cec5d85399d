// Found by hand mutation testing: docs/detection.md: a private-range source joins a campaign only on
// min_signals + 1 matched signals, never on its dictionary alone (private_single_signal = false).
import { expect, it } from 'vitest';
import type { Verdict } from '../../src/core/verdict.js';
import { CampaignDetector } from '../../src/correlate/campaign-detector.js';
import { failure, MIN, rhythmCampaign, spread, T0, THRESHOLDS } from './helpers.js';

const bans = (v: readonly Verdict[], ip: string) => v.filter((x) => x.verb === 'BAN' && x.fields[0]![1] === ip);

it('does not ban a private-range source trying one sprayed name once, where a public one is banned', () => {
  for (const [ip, banned] of [
    ['10.20.30.40', false],
    ['100.64.1.2', false],
    ['203.0.113.200', true],
  ] as const) {
    const d = new CampaignDetector({}, THRESHOLDS);
    for (const e of rhythmCampaign(spread(8), 3)) d.onAuthEvent(e);
    const v = d.onAuthEvent(failure(ip, T0 + 30 * MIN, 'oracle'));
    expect(bans(v, ip).length > 0, ip).toBe(banned);
  }
});
