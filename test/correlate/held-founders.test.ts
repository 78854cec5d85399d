import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import type { Verdict } from '../../src/core/verdict.js';
import { CampaignDetector } from '../../src/correlate/campaign-detector.js';
import { failure, verdictField as field, MIN, S, scenarioEvents, success } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'f2b-held-founders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function replay(values: Record<string, unknown>, events: readonly AuthEvent[]): Verdict[] {
  const detector = new CampaignDetector(values, DEBIAN_DEFAULT_THRESHOLDS);
  const out = events.flatMap((e) => detector.onAuthEvent(e));
  return [...out, ...detector.advance(events.at(-1)!.time + 10 * MIN)];
}

describe('names_alone_hold and the founders of a campaign', () => {
  it('holds the opening ban of a founder whose only evidence is its names: a login within the hold spares it', async () => {
    const events = await scenarioEvents('one-try', dir);
    // Without the colleague the campaign opens at 10:03:10.462 on its fifth one-try bot. The colleague's wrong try
    // of `admin` (a name the bots spray, no account here) 5 s before makes it the fifth: it opens the campaign.
    const colleague = '203.0.113.50';
    const at = Date.parse('2026-02-16T10:03:05Z');
    const mine = [failure(colleague, at, 'admin', true), success(colleague, at + 30 * S, 'alice')];
    const all = [...events, ...mine].sort((a, b) => a.time - b.time);
    const bans = (verdicts: readonly Verdict[]) => verdicts.filter((v) => v.verb === 'BAN');

    const held = replay({ names_alone_hold: 2 * MIN }, all);
    const open = held.find((v) => v.verb === 'CAMPAIGN' && field(v, 'event') === 'open')!;
    expect(open.time).toBe(at);
    expect(bans(held).filter((v) => field(v, 'ip') === colleague)).toEqual([]);
    // Without the hold the colleague is banned at the opening, as any one-try founder is.
    const unheld = replay({}, all);
    const opening = bans(unheld).filter((v) => field(v, 'match') === 'open');
    expect(opening.map((v) => field(v, 'ip'))).toContain(colleague);
    expect(opening).toHaveLength(5);
    // With it, the bots that founded the campaign with the colleague are banned when their holds run out (at the
    // first line after, on the log's clock), saying how long they were held; every other ban is the same.
    for (const bot of opening.map((v) => field(v, 'ip')).filter((ip) => ip !== colleague)) {
      const [ban, ...more] = bans(held).filter((v) => field(v, 'ip') === bot);
      expect(more).toEqual([]);
      expect(ban!.time).toBeGreaterThanOrEqual(at + 2 * MIN);
      expect(field(ban!, 'held')).toBe(Math.round((ban!.time - at) / 1000));
    }
    expect(new Set(bans(held).map((v) => field(v, 'ip')))).toEqual(
      new Set(
        bans(unheld)
          .map((v) => field(v, 'ip'))
          .filter((ip) => ip !== colleague),
      ),
    );
  });
});
