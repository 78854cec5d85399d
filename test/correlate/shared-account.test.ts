import { describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import type { Verdict } from '../../src/core/verdict.js';
import { CampaignDetector } from '../../src/correlate/campaign-detector.js';
import { failure, verdictField as field, MIN, S, spread, success, T0, THRESHOLDS } from './helpers.js';

/**
 * A name becomes a shared dictionary name once three sources tried it, whether or not an account of that name
 * exists here, as long as nobody has logged in with it: colleagues on a shared account that has not logged in since
 * the state began make one. Found in review: on a fresh install, they were banned as a campaign's members, and
 * five of them opened a campaign of their own on a password-expiry morning.
 */

const bans = (verdicts: readonly Verdict[]) => verdicts.filter((v) => v.verb === 'BAN').map((v) => field(v, 'ip'));
/** A failure on an account that exists here (`Failed password for helpdesk`, no `invalid user`). */
const known = (ip: string, time: number, user: string) => failure(ip, time, user, false);
const COLLEAGUES = ['198.51.100.30', '203.0.113.31', '100.1.2.32'];

/** Eight members on a 167 s rhythm trying names that do not exist here: a live campaign by T0 + 15 min. */
function liveCampaign(values: Record<string, unknown> = {}): CampaignDetector {
  const names = ['admin', 'oracle', 'ubuntu', 'guest', 'test'];
  const events: AuthEvent[] = [];
  spread(8).forEach((ip, i) => {
    for (let k = 0; k < 3; k++) events.push(failure(ip, T0 + i * 40 * S + k * 167 * S, names[(i + k) % 5]!));
  });
  const detector = new CampaignDetector(values, THRESHOLDS);
  for (const e of events.sort((a, b) => a.time - b.time)) detector.onAuthEvent(e);
  expect(detector.book.live).toHaveLength(1);
  return detector;
}

function feed(detector: CampaignDetector, events: AuthEvent[], until: number): Verdict[] {
  const out = events.sort((a, b) => a.time - b.time).flatMap((e) => [...detector.onAuthEvent(e)]);
  return [...out, ...detector.advance(until)];
}

describe('a shared account that exists here, during a live campaign', () => {
  const AT = T0 + 30 * MIN;

  it('spares colleagues failing once each on it who log in within shared_name_hold', () => {
    const detector = liveCampaign();
    const events = COLLEAGUES.flatMap((ip, i) => [
      known(ip, AT + i * 10 * S, 'helpdesk'),
      success(ip, AT + i * 10 * S + 2 * MIN, 'helpdesk'),
    ]);
    expect(bans(feed(detector, events, AT + 20 * MIN))).toEqual([]);
  });

  it('bans them when the hold runs out with no login, saying how long they were held', () => {
    const detector = liveCampaign();
    const events = COLLEAGUES.map((ip, i) => known(ip, AT + i * 10 * S, 'helpdesk'));
    const verdicts = feed(detector, events, AT + 20 * MIN).filter((v) => v.verb === 'BAN');
    expect(verdicts.map((v) => field(v, 'ip')).sort()).toEqual([...COLLEAGUES].sort());
    for (const v of verdicts) expect(Number(field(v, 'held'))).toBeGreaterThanOrEqual(5 * 60 - 20);
  });

  it("still bans at the first attempt a source trying the campaign's own names", () => {
    const detector = liveCampaign();
    expect(bans(detector.onAuthEvent(failure('198.51.100.77', AT, 'oracle')))).toEqual(['198.51.100.77']);
  });

  it('bans at once with shared_name_hold = 0', () => {
    const detector = liveCampaign({ shared_name_hold: 0 });
    const events = COLLEAGUES.map((ip, i) => known(ip, AT + i * 10 * S, 'helpdesk'));
    expect(bans(feed(detector, events, AT + MIN)).sort()).toEqual([...COLLEAGUES].sort());
  });
});

describe('a shared account on a password-expiry morning, no attack at all', () => {
  /** One failing user a minute for the surge's warm-up hour, then five colleagues within 80 s, on `user`. */
  function morning(user: string, invalidUser: boolean): Verdict[] {
    const detector = new CampaignDetector({ surge_h: 1 }, THRESHOLDS);
    const events: AuthEvent[] = [];
    for (let m = 0; m < 70; m++) {
      const ip = `81.${20 + m}.7.9`;
      events.push(known(ip, T0 + m * MIN, `user${m}`), success(ip, T0 + m * MIN + 20 * S, `user${m}`));
    }
    const at = T0 + 70 * MIN;
    for (const [i, ip] of spread(5, 150).entries()) events.push(failure(ip, at + i * 20 * S, user, invalidUser));
    return feed(detector, events, at + 10 * MIN);
  }

  it('opens no campaign when the shared name exists here', () => {
    const verdicts = morning('helpdesk', false);
    expect(verdicts.filter((v) => v.verb === 'CAMPAIGN')).toEqual([]);
    expect(bans(verdicts)).toEqual([]);
  });

  it('opens one on the same shape when the name does not exist here (a one-try spray)', () => {
    const verdicts = morning('oracle', true);
    expect(verdicts.filter((v) => v.verb === 'CAMPAIGN' && field(v, 'event') === 'open')).toHaveLength(1);
    expect(bans(verdicts)).toHaveLength(5);
  });
});
