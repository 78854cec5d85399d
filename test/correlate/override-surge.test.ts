import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import type { Verdict } from '../../src/core/verdict.js';
import { CampaignDetector } from '../../src/correlate/campaign-detector.js';
import { failure, verdictField as field, MIN, scenarioEvents, success } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'f2b-override-surge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the override of a recent success', () => {
  it('does not count the site-wide surge among the signals that override it', async () => {
    // An address logs in, then a script behind it fails every 2.5 minutes on `backup`, a name that does not exist
    // here, through the whole campaign: 30 failures since the login soon. Its names tie it to the campaign (only
    // names that do not exist here) and the surge is on: two of the campaign's signals, but the surge is the
    // site's, not the source's. With override_signals = 2, only a second signal of its own may override.
    const waves = await scenarioEvents('waves', dir);
    const start = waves[0]!.time;
    const user = '203.0.113.50';
    const own: AuthEvent[] = [success(user, start + MIN, 'alice')];
    for (let k = 0; k < 60; k++) own.push(failure(user, start + 2 * MIN + k * 150_000, 'backup', true));
    const detector = new CampaignDetector({ override_signals: 2 }, DEBIAN_DEFAULT_THRESHOLDS);
    const verdicts: Verdict[] = [];
    for (const e of [...waves, ...own].sort((a, b) => a.time - b.time)) verdicts.push(...detector.onAuthEvent(e));
    const campaign = verdicts.find((v) => v.verb === 'CAMPAIGN');
    expect(field(campaign!, 'signals')).toBe('dictionary+surge');
    expect(verdicts.filter((v) => v.verb === 'BAN').length).toBeGreaterThan(40);
    expect(verdicts.filter((v) => v.verb === 'BAN' && field(v, 'ip') === user)).toEqual([]);
    // The same failures without the login are a member's: the names tie it, as they should.
    const control = new CampaignDetector({ override_signals: 2 }, DEBIAN_DEFAULT_THRESHOLDS);
    const bans: Verdict[] = [];
    for (const e of [...waves, ...own.slice(1)].sort((a, b) => a.time - b.time)) bans.push(...control.onAuthEvent(e));
    expect(bans.filter((v) => v.verb === 'BAN' && field(v, 'ip') === user)).toHaveLength(1);
  });
});
