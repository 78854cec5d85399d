import { describe, expect, it } from 'vitest';
import { newCampaign } from '../../src/correlate/campaign.js';
import { joins } from '../../src/correlate/campaign-match.js';
import { campaignSettings } from '../../src/correlate/campaign-settings.js';
import { nameHash } from '../../src/correlate/name-key.js';
import { type Evidence, signalBit } from '../../src/correlate/signals/signal.js';
import { source, T0 } from './helpers.js';

// Found by a mutation audit (2026-11-24): dropping the extra signal asked of a source that tried names, none of them
// the campaign's, survived every test (docs/detection.md: it is not spraying the same list).
describe('joining a live campaign', () => {
  const founders: Evidence = new Map([
    ['rhythm', '24'],
    ['dictionary', ''],
    ['synchrony', ''],
  ]);
  const campaign = newCampaign('c-1', T0, T0, [founders, founders, founders, founders, founders], 5, 1000);
  const settings = campaignSettings({});
  const tempoAndTiming = signalBit('rhythm') | signalBit('synchrony');

  it("asks one signal more of a source that tried names, none of the campaign's", () => {
    expect(campaign.signals).toEqual(['rhythm', 'dictionary', 'synchrony']);
    // A user whose retries happen to keep the campaign's tempo and timing, trying his own name.
    const user = source('203.0.113.40');
    user.addName(nameHash('alice'));
    user.attempts = 1;
    expect(joins(campaign, user, tempoAndTiming, settings)).toBe(false);
    expect(joins(campaign, user, tempoAndTiming | signalBit('persistence'), settings)).toBe(true);
  });

  it('joins on min_signals a source that tried no name (probes keeping the tempo and timing)', () => {
    expect(joins(campaign, source('203.0.113.41'), tempoAndTiming, settings)).toBe(true);
  });
});
