import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/core/verdict.js';
import { CampaignDetector } from '../../src/correlate/campaign-detector.js';
import { namesOnly } from '../../src/correlate/campaign-match.js';
import { createCore } from '../../src/correlate/create-core.js';
import type { DetectorSnapshot } from '../../src/correlate/detector-snapshot.js';
import { HeldJoins } from '../../src/correlate/held-joins.js';
import { signalBit } from '../../src/correlate/signals/signal.js';
import { failure, verdictField as field, MIN, probe, rhythmCampaign, S, success, T0, THRESHOLDS } from './helpers.js';

const HOLD = { names_alone_hold: 2 * MIN };

const bansOf = (verdicts: readonly Verdict[], ip: string) =>
  verdicts.filter((v) => v.verb === 'BAN' && field(v, 'ip') === ip);

function live(values: Record<string, unknown> = HOLD): CampaignDetector {
  const detector = new CampaignDetector(values, THRESHOLDS);
  for (const e of rhythmCampaign()) detector.onAuthEvent(e);
  expect(detector.book.live).toHaveLength(1);
  return detector;
}

const USER = '198.51.100.23';
const AT = T0 + 30 * MIN;

describe('names_alone_hold: the ban of a source whose only evidence is its names waits', () => {
  it('bans a one-try source when the hold runs out, saying how long it was held', () => {
    const detector = live();
    expect(detector.onAuthEvent(failure(USER, AT, 'ubuntu'))).toEqual([]);
    expect(detector.status()).toMatchObject({ heldBans: 1, heldBansRefused: 0 });
    // Its end is its last instant (a login stamped then spares it): the first time past it bans.
    expect(bansOf(detector.advance(AT + 120 * S), USER)).toEqual([]);
    const bans = bansOf(detector.advance(AT + 121 * S), USER);
    expect(bans).toHaveLength(1);
    expect(field(bans[0]!, 'match')).toBe('join');
    expect(field(bans[0]!, 'held')).toBe(121);
    expect(field(bans[0]!, 'attempts')).toBe(1);
    expect(detector.status()).toMatchObject({ heldBans: 0 });
  });

  it('spares a login stamped at the very second the hold ends, whatever line of that second comes first', () => {
    // Classic syslog stamps are whole seconds: a login 119.5 s after a try made at .8 of a second is stamped 120 s
    // after it. The hold's end is its last instant, and a login then (read before or after another line of that
    // second) is within it.
    const alone = live();
    alone.onAuthEvent(failure(USER, AT, 'ubuntu'));
    const login = alone.onAuthEvent(success(USER, AT + 2 * MIN, 'alice'));
    expect(bansOf([...login, ...alone.advance(AT + 5 * MIN)], USER)).toEqual([]);

    const behind = live();
    behind.onAuthEvent(failure(USER, AT, 'ubuntu'));
    const other = behind.onAuthEvent(failure('198.51.100.99', AT + 2 * MIN, 'zq7x'));
    const late = behind.onAuthEvent(success(USER, AT + 2 * MIN, 'alice'));
    expect(bansOf([...other, ...late, ...behind.advance(AT + 5 * MIN)], USER)).toEqual([]);
  });

  it('ends the hold on the first time past its end, as replay and the service alike give it', () => {
    const detector = live();
    detector.onAuthEvent(failure(USER, AT, 'ubuntu'));
    expect(bansOf(detector.advance(AT + 2 * MIN), USER)).toEqual([]);
    expect(detector.nextDeadline()).toBe(AT + 2 * MIN);
    expect(bansOf(detector.advance(AT + 2 * MIN + 1), USER)).toHaveLength(1);
    expect(detector.book.held.nextEnd()).toBeUndefined();
  });

  it('does not ban a user who logs in during the hold, nor later for that try', () => {
    const detector = live();
    detector.onAuthEvent(failure(USER, AT, 'ubuntu'));
    detector.onAuthEvent(failure(USER, AT + 6 * S, 'ubuntu'));
    detector.onAuthEvent(success(USER, AT + 40 * S, 'alice'));
    const later = [...detector.advance(AT + 3 * MIN), ...detector.advance(AT + 2 * 60 * MIN)];
    expect(bansOf(later, USER)).toEqual([]);
    expect(detector.status()).toMatchObject({ heldBans: 0 });
  });

  it('protects an IPv6 user whose login comes from another address of the same /64', () => {
    const detector = live();
    detector.onAuthEvent(failure('2001:db8:7:1::aa', AT, 'ubuntu'));
    detector.onAuthEvent(success('2001:db8:7:1::bb', AT + 30 * S, 'alice'));
    expect(bansOf(detector.advance(AT + 5 * MIN), '2001:db8:7:1::aa')).toEqual([]);
  });

  it('bans at the 4th attempt, inside the hold: more than one ssh connection of password prompts', () => {
    const detector = live();
    for (let k = 0; k < 3; k++) expect(detector.onAuthEvent(failure(USER, AT + k * 3 * S, 'ubuntu'))).toEqual([]);
    const bans = bansOf(detector.onAuthEvent(failure(USER, AT + 9 * S, 'admin')), USER);
    expect(bans).toHaveLength(1);
    expect(field(bans[0]!, 'held')).toBe(9);
    expect(field(bans[0]!, 'attempts')).toBe(4);
  });

  it('bans a held source whose hold outlives a flood of new addresses (its record is kept until judged)', () => {
    const detector = live({ ...HOLD, max_sources: 100 });
    expect(detector.onAuthEvent(failure(USER, AT, 'ubuntu'))).toEqual([]);
    for (let i = 0; i < 300; i++) detector.onAuthEvent(probe(`10.9.${i >> 8}.${i & 255}`, AT + S + i * 100));
    expect(detector.status()).toMatchObject({ heldBans: 1 });
    const bans = bansOf(detector.advance(AT + 2 * MIN + S), USER);
    expect(bans.map((v) => field(v, 'held'))).toEqual([121]);
  });

  it('holds nothing by default: the source is banned at its first attempt', () => {
    const detector = live({});
    const bans = bansOf(detector.onAuthEvent(failure(USER, AT, 'ubuntu')), USER);
    expect(bans).toHaveLength(1);
    expect(field(bans[0]!, 'held')).toBeUndefined();
  });

  it('keeps running holds across a restart (the snapshot)', () => {
    const detector = live();
    detector.onAuthEvent(failure(USER, AT, 'ubuntu'));
    const snapshot = JSON.parse(JSON.stringify(detector.snapshot())) as DetectorSnapshot;
    expect(snapshot.book.held).toEqual([[USER, AT]]);
    const resumed = new CampaignDetector(HOLD, THRESHOLDS, snapshot);
    expect(bansOf(resumed.advance(AT + 2 * MIN + S), USER)).toHaveLength(1);
    // Restarted with the holds turned off: the running hold is not forgotten, its source is banned at once.
    const off = new CampaignDetector({ shared_name_hold: 0 }, THRESHOLDS, snapshot);
    expect(bansOf(off.advance(AT + 1 * S), USER).map((v) => field(v, 'held'))).toEqual([1]);
    // A snapshot written before holds existed has none, and loads.
    const { held: _, ...older } = snapshot.book;
    expect(new CampaignDetector(HOLD, THRESHOLDS, { ...snapshot, book: older }).book.held.size).toBe(0);
  });
});

describe('names_alone_hold and the compromise alert', () => {
  /** The core with compromise_action = ban: a login from a source matching a live campaign is banned. */
  function core(detection: Record<string, unknown>) {
    const c = createCore(detection, THRESHOLDS, undefined, { compromise_action: 'ban' });
    for (const e of rhythmCampaign()) c.onAuthEvent(e);
    return c;
  }

  it('alerts on a login during the hold but does not ban it: the login is what the hold waits for', () => {
    const c = core(HOLD);
    c.onAuthEvent(failure(USER, AT, 'ubuntu'));
    const out = [...c.onAuthEvent(success(USER, AT + 30 * S, 'alice')), ...c.advance(AT + 5 * MIN)];
    expect(out.filter((v) => v.verb === 'ALERT').map((v) => field(v, 'reason'))).toEqual(['fingerprint']);
    expect(bansOf(out, USER)).toEqual([]);
  });

  it('bans such a login as a compromise without the hold (compromise_action = ban)', () => {
    const c = core({});
    const first = c.onAuthEvent(failure(USER, AT, 'ubuntu'));
    expect(bansOf(first, USER)).toHaveLength(1);
    // Its ban of the campaign is running: the login is a member's (fail2ban would have stopped it live).
    const login = c.onAuthEvent(success(USER, AT + 30 * S, 'alice'));
    expect(bansOf(login, USER).map((v) => field(v, 'reason'))).toEqual(['compromise+member']);
  });
});

describe('namesOnly', () => {
  const bit = signalBit;
  it('is the dictionary alone, or with the site-wide surge, and nothing of the source besides', () => {
    expect(namesOnly(bit('dictionary'))).toBe(true);
    expect(namesOnly(bit('dictionary') | bit('surge'))).toBe(true);
    expect(namesOnly(bit('dictionary') | bit('locality'))).toBe(false);
    expect(namesOnly(bit('dictionary') | bit('rhythm'))).toBe(false);
    expect(namesOnly(bit('locality'))).toBe(false);
    expect(namesOnly(0)).toBe(false);
  });
});

describe('HeldJoins', () => {
  it('gives the holds run out in the order they started, skipping released and restarted ones', () => {
    const held = new HeldJoins(60 * S, 0, 10);
    expect(held.start('a', 0)).toBe(true);
    expect(held.start('b', 10 * S)).toBe(true);
    expect(held.start('c', 20 * S)).toBe(true);
    held.release('b');
    expect(held.nextEnd()).toBe(60 * S);
    // A hold's end is its last instant: due only past it.
    expect(held.due(60 * S)).toBeUndefined();
    expect(held.due(75 * S)).toEqual(['a']);
    // The caller releases what it judged; a hold started again later has its own end.
    held.release('a');
    held.start('a', 76 * S);
    expect(held.nextEnd()).toBe(80 * S);
    expect(held.due(100 * S)).toEqual(['c']);
    held.release('c');
    expect(held.nextEnd()).toBe(136 * S);
    expect(held.due(136 * S)).toBeUndefined();
    expect(held.due(137 * S)).toEqual(['a']);
    expect(held.snapshot()).toEqual([['a', 76 * S]]);
    held.release('a');
    expect(held.nextEnd()).toBeUndefined();
  });

  it('holds nothing when the hold is 0, and no more than max at once (the rest are banned at once, counted)', () => {
    expect(new HeldJoins(0, 0, 10).start('a', 0)).toBe(false);
    const held = new HeldJoins(60 * S, 0, 2);
    expect([held.start('a', 0), held.start('b', 0), held.start('c', 0)]).toEqual([true, true, false]);
    expect(held.full).toBe(1);
    expect(held.start('a', 5)).toBe(true);
    expect(held.startedAt('a')).toBe(0);
  });
});
