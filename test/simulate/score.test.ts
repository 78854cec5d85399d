import { describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { banVerdict, type Verdict } from '../../src/core/verdict.js';
import { EventLedger, scoreScenario } from '../../src/simulate/score.js';
import type { Truth } from '../../src/simulate/session.js';

const T0 = Date.UTC(2026, 1, 16, 9);
const S = 1000;

function failure(ip: string, time: number, count = 1): AuthEvent {
  return { time, kind: 'failure', reason: 'failed-password', ip, bannable: true, count, user: 'admin' };
}

function truth(members: string[]): Truth {
  return {
    scenario: 'unit',
    description: '',
    start: T0,
    end: T0 + 3600 * S,
    members,
    benign: [],
    scanners: [],
    campaign: true,
    passwordPhase: null,
    recogniseWithin: null,
    laterMembersAtFirstAttempt: true,
  };
}

const open: Verdict = {
  time: T0 + 10 * S,
  verb: 'CAMPAIGN',
  fields: [
    ['id', 'c-1'],
    ['event', 'open'],
  ],
};

describe('scoreScenario: later members at their first attempt, and before a second', () => {
  it('tells a ban at the first attempt from one after it but before the second, and from one after the second', () => {
    const ledger = new EventLedger();
    const events = [
      failure('10.0.0.1', T0), // opens with the campaign: not a later member
      failure('10.0.0.2', T0 + 20 * S),
      failure('10.0.0.2', T0 + 200 * S),
      failure('10.0.0.3', T0 + 30 * S),
      failure('10.0.0.3', T0 + 200 * S),
      failure('10.0.0.4', T0 + 40 * S),
      failure('10.0.0.4', T0 + 60 * S),
      failure('10.0.0.5', T0 + 50 * S), // one attempt only: no second to stop
      failure('10.0.0.6', T0 + 70 * S, 2), // its first line counts two: the second got in with the first
    ];
    for (const e of events) ledger.record(e);
    const ban = (ip: string, at: number) => banVerdict(T0 + at * S, ip, 'c-1', 'dictionary', []);
    const verdicts = [
      open,
      ban('10.0.0.1', 10),
      ban('10.0.0.2', 20), // at its first attempt
      ban('10.0.0.3', 150), // held: after the first, before the second
      ban('10.0.0.4', 90), // after its second
      ban('10.0.0.5', 50),
      ban('10.0.0.6', 70),
    ];
    const score = scoreScenario(
      truth(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']),
      ledger,
      verdicts,
    );
    expect(score.laterMembers).toBe(5);
    expect(score.laterAtFirstAttempt).toBe(3); // .2, .5, .6
    expect(score.laterWithSecond).toBe(4); // .2, .3, .4, .6
    expect(score.laterBeforeSecond).toBe(2); // .2, .3
  });
});

/**
 * The figures the scenario test asserts on and `simulate --check` prints, on a hand-made run whose every figure is
 * worked out here: a scorer that counted wrongly would let the scenario test pass while the detector misses.
 */
describe('scoreScenario: recall, time to recognise and to the first ban, attempts let through', () => {
  const probe = (ip: string, time: number): AuthEvent => ({
    time,
    kind: 'probe',
    reason: 'closed-preauth',
    ip,
    bannable: true,
    count: 1,
  });
  const campaign = (at: number, event: string, id: string): Verdict => ({
    time: T0 + at * S,
    verb: 'CAMPAIGN',
    fields: [
      ['id', id],
      ['event', event],
    ],
  });
  const ban = (ip: string, at: number) => banVerdict(T0 + at * S, ip, 'c-1', 'dictionary', []);

  function scored() {
    const ledger = new EventLedger();
    const events = [
      probe('10.0.0.1', T0), // the attack begins with a probe, before any password
      failure('10.0.0.3', T0 + 20 * S), // its first attempt opens the campaign: a founding member, not a later one
      failure('10.0.0.2', T0 + 50 * S),
      failure('10.0.0.2', T0 + 60 * S), // never banned: both let through
      failure('10.0.0.1', T0 + 100 * S), // banned at this attempt: let through
      failure('10.0.0.1', T0 + 100 * S, 0), // the same attempt's PAM line: no attempt of its own
      failure('10.0.0.3', T0 + 40 * S), // after its ban at 20 s: stopped
      failure('10.0.0.3', T0 + 400 * S), // after its second ban, once the first ran out: stopped
      failure('10.0.0.4', T0 + 80 * S), // a later member, banned after its one attempt
      failure('10.0.0.4', T0 + 85 * S, 0), // that attempt's PAM line: not a second attempt
    ];
    for (const e of events) ledger.record(e);
    const verdicts = [
      campaign(20, 'open', 'c-1'),
      ban('10.0.0.3', 20),
      ban('10.0.0.4', 90),
      ban('10.0.0.1', 100),
      campaign(150, 'grow', 'c-1'),
      ban('10.0.0.3', 300), // banned again once its first ban ran out; its first ban is what counts
      campaign(350, 'open', 'c-2'),
      ban('10.0.0.9', 360), // a benign source
    ];
    const members = truth(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    return scoreScenario({ ...members, benign: ['10.0.0.8', '10.0.0.9'] }, ledger, verdicts);
  }

  it('counts recall, campaigns and benign bans', () => {
    const score = scored();
    expect([score.members, score.banned, score.recall]).toEqual([4, 3, 3 / 4]);
    expect(score.campaigns).toBe(2); // two opens; a grow is no campaign
    expect(score.benignBanned).toEqual(['10.0.0.9']);
  });

  it("measures from the attack's first event (a probe) to the first campaign's open and to the first ban", () => {
    const score = scored();
    expect(score.recognisedAfter).toBe(20 * S);
    expect(score.firstBanAfter).toBe(20 * S);
  });

  it('lets through the attempt a ban came at and every attempt of a member never banned, no attempt after a ban', () => {
    const score = scored();
    expect(score.attemptsLetThrough).toBe(5); // .1 at 100 s, .2 twice, .3 at 20 s, .4 at 80 s
    expect(score.attemptsTotal).toBe(7);
  });

  it('takes a member whose attempt opened the campaign as a founding member, and a PAM line as no second attempt', () => {
    const score = scored();
    expect(score.laterMembers).toBe(2); // .2 and .4; .1 probed before the open, .3's attempt opened it
    expect(score.laterAtFirstAttempt).toBe(0);
    expect(score.laterWithSecond).toBe(1); // .2
    expect(score.laterBeforeSecond).toBe(0);
  });
});
