import { describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import type { Verdict } from '../../src/core/verdict.js';
import { createCore } from '../../src/correlate/create-core.js';
import { verdictField as field, HOUR, MIN, rhythmCampaign, success, T0, THRESHOLDS } from '../correlate/helpers.js';

const alertsAbout = (verdicts: readonly Verdict[], ip: string) =>
  verdicts.filter((v) => v.verb === 'ALERT' && field(v, 'ip') === ip).map((v) => field(v, 'reason'));

const AT = T0 + 30 * MIN;

// Found in session 19: the success history protects an IPv6 /64 from bans (a laptop's privacy addresses: a new one
// in the same /64 each time), but the sprayed-user alert asked about the address alone: each login of such a laptop
// with a name the campaign had sprayed was alerted on as a compromise, where an IPv4 user's was only the first time.
describe('the sprayed-user alert and IPv6 privacy addresses', () => {
  function core(before: AuthEvent[] = []) {
    const c = createCore({}, THRESHOLDS, undefined, { compromise_action: 'ban' });
    for (const e of [...before, ...rhythmCampaign()]) c.onAuthEvent(e);
    return c;
  }
  const laptop = ['2001:db8:1:2:a1b2:c3d4:e5f6:1', '2001:db8:1:2:9f8e:7d6c:5b4a:2', '2001:db8:1:2:1111:2222:3333:4'];

  it('alerts on the first login with a sprayed name, not on the next ones from new addresses of its /64', () => {
    const c = core();
    expect(alertsAbout(c.onAuthEvent(success(laptop[0]!, AT, 'ubuntu')), laptop[0]!)).toEqual(['sprayed-user']);
    expect(alertsAbout(c.onAuthEvent(success(laptop[1]!, AT + HOUR, 'ubuntu')), laptop[1]!)).toEqual([]);
    expect(alertsAbout(c.onAuthEvent(success(laptop[2]!, AT + 2 * HOUR, 'ubuntu')), laptop[2]!)).toEqual([]);
  });

  it("stays quiet for a sprayed name's first login from a /64 a user logged in from lately", () => {
    const c = core([success(laptop[0]!, T0 - 2 * HOUR, 'alice')]);
    expect(alertsAbout(c.onAuthEvent(success(laptop[1]!, AT, 'oracle')), laptop[1]!)).toEqual([]);
  });

  it('still alerts on a sprayed name from a /64 nobody logged in from, even in the same /48, and never bans', () => {
    const c = core();
    c.onAuthEvent(success(laptop[0]!, AT, 'ubuntu'));
    const stranger = '2001:db8:1:3::77';
    const out = c.onAuthEvent(success(stranger, AT + HOUR, 'ubuntu'));
    expect(alertsAbout(out, stranger)).toEqual(['sprayed-user']);
    // Evidence about a name, not the address: never banned, even with compromise_action = ban.
    expect(out.filter((v) => v.verb === 'BAN')).toEqual([]);
  });

  it('keeps IPv4 per address: a neighbour in the /24 of an address that logged in is still alerted on', () => {
    const c = core();
    expect(alertsAbout(c.onAuthEvent(success('198.18.7.10', AT, 'ubuntu')), '198.18.7.10')).toEqual(['sprayed-user']);
    expect(alertsAbout(c.onAuthEvent(success('198.18.7.10', AT + HOUR, 'ubuntu')), '198.18.7.10')).toEqual([]);
    const neighbour = c.onAuthEvent(success('198.18.7.11', AT + HOUR, 'ubuntu'));
    expect(alertsAbout(neighbour, '198.18.7.11')).toEqual(['sprayed-user']);
  });

  it('alerts again once success_memory has passed since the /64 logged in', () => {
    const c = core([success(laptop[0]!, T0 - 8 * 24 * HOUR, 'alice')]);
    expect(alertsAbout(c.onAuthEvent(success(laptop[1]!, AT, 'oracle')), laptop[1]!)).toEqual(['sprayed-user']);
  });
});
