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
