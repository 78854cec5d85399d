import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/core/verdict.js';
import { CampaignDetector } from '../../src/correlate/campaign-detector.js';
import { createCore } from '../../src/correlate/create-core.js';
import {
  failure,
  verdictField as field,
  HOUR,
  MIN,
  rhythmCampaign,
  S,
  spread,
  success,
  T0,
  THRESHOLDS,
} from './helpers.js';

/**
 * CorrelationCore.nextDeadline: the earliest time at which advance() would decide something a line stamped before
 * then could still change. The live service lets the wall clock pass it only once it knows the journal read
 * (src/service/journal-check.ts), so it must never come after such a decision, and should not come long before it.
 */
const HOLD = { names_alone_hold: 2 * MIN };
const USER = '198.51.100.23';
const AT = T0 + 30 * MIN;

const bansOf = (verdicts: readonly Verdict[], ip: string) =>
  verdicts.filter((v) => v.verb === 'BAN' && field(v, 'ip') === ip);
const ends = (verdicts: readonly Verdict[]) =>
  verdicts.filter((v) => v.verb === 'CAMPAIGN' && field(v, 'event') === 'end');

function live(): CampaignDetector {
  const detector = new CampaignDetector(HOLD, THRESHOLDS);
  for (const e of rhythmCampaign()) detector.onAuthEvent(e);
  expect(detector.book.live).toHaveLength(1);
  return detector;
}

describe("the core's next deadline", () => {
  it('is none while no campaign runs and no ban is held', () => {
    expect(new CampaignDetector(HOLD, THRESHOLDS).nextDeadline()).toBeUndefined();
    expect(createCore(HOLD, THRESHOLDS).nextDeadline()).toBeUndefined();
  });

  it("is a live campaign's end, campaign_end after its members were last seen: nothing ends before it", () => {
    const detector = live();
    const deadline = detector.nextDeadline()!;
    expect(deadline).toBe(detector.book.live[0]!.lastSeen + 2 * HOUR);
    expect(ends(detector.advance(deadline - 1))).toEqual([]);
    expect(ends(detector.advance(deadline + 1))).toHaveLength(1);
    expect(detector.nextDeadline()).toBeUndefined();
  });

  it("does not end a campaign at the deadline itself: a member's attempt stamped then still keeps it going", () => {
    // Found by a mutation audit (2026-11-24): `<` for `<=` in the roster's end check survived every test, which
    // looked a millisecond either side of the deadline only.
    const detector = live();
    const deadline = detector.nextDeadline()!;
    expect(ends(detector.advance(deadline))).toEqual([]);
    detector.onAuthEvent(failure(spread(8)[0]!, deadline, 'oracle'));
    expect(ends(detector.advance(deadline + 1))).toEqual([]);
    expect(detector.nextDeadline()).toBe(deadline + 2 * HOUR);
  });

  it("moves with a member's attempt, which keeps its campaign going", () => {
    const detector = live();
    const member = spread(8)[0]!; // one of rhythmCampaign's
    expect(detector.book.live[0]!.members.has(member)).toBe(true);
    detector.onAuthEvent(failure(member, AT, 'oracle'));
    expect(detector.nextDeadline()).toBe(AT + 2 * HOUR);
  });

  it("is a held ban's end when that comes first: the ban comes just past it, not before", () => {
    const detector = live();
    detector.onAuthEvent(failure(USER, AT, 'ubuntu'));
    expect(detector.nextDeadline()).toBe(AT + 2 * MIN);
    // The end is the hold's last instant (a login stamped at it still spares the source): a time past it bans.
    expect(bansOf(detector.advance(AT + 2 * MIN), USER)).toEqual([]);
    expect(bansOf(detector.advance(AT + 2 * MIN + 1), USER)).toHaveLength(1);
    // Banned into the campaign, it is its latest member: the campaign's end is next, counted from the ban.
    expect(detector.nextDeadline()).toBe(AT + 2 * MIN + 1 + 2 * HOUR);
  });

  it('drops a hold a login ended, and takes the next one still running', () => {
    const detector = live();
    const end = detector.nextDeadline()!;
    detector.onAuthEvent(failure(USER, AT, 'ubuntu'));
    detector.onAuthEvent(failure('198.51.100.99', AT + 10 * S, 'ubuntu'));
    detector.onAuthEvent(success(USER, AT + 20 * S, 'alice'));
    expect(detector.nextDeadline()).toBe(AT + 10 * S + 2 * MIN);
    detector.onAuthEvent(success('198.51.100.99', AT + 30 * S, 'bob'));
    expect(detector.nextDeadline()).toBe(end);
  });

  it('survives a snapshot, through createCore as the service drives it', () => {
    const core = createCore(HOLD, THRESHOLDS);
    for (const e of rhythmCampaign()) core.onAuthEvent(e);
    core.onAuthEvent(failure(USER, AT, 'ubuntu'));
    const restored = createCore(HOLD, THRESHOLDS, JSON.parse(JSON.stringify(core.snapshot())));
    expect(core.nextDeadline()).toBe(AT + 2 * MIN);
    expect(restored.nextDeadline()).toBe(AT + 2 * MIN);
  });
});
