import { describe, expect, it } from 'vitest';
import {
  connectionKey,
  IN_STEP,
  OWN_CONNECTION,
  OWN_SCHEDULE,
  PredictableSources,
} from '../../src/correlate/predictable-sources.js';
import type { SourceState } from '../../src/correlate/source-state.js';
import { HOUR, MIN, S, source, T0 } from './helpers.js';

/** Visits of `s` at the given times (one connection each, no pid or port: told apart by their time). */
function visit(p: PredictableSources, s: SourceState, times: readonly number[]): void {
  for (const t of times) {
    s.last = t;
    p.observe(s, t, -1);
  }
}

/** `n` times `every` apart from `from`, each moved by the matching `jitter` entry (0 when missing). */
function schedule(from: number, every: number, n: number, jitter: readonly number[] = []): number[] {
  return Array.from({ length: n }, (_, i) => from + i * every + (jitter[i] ?? 0));
}

describe('predictable sources', () => {
  it('calls a source predictable once it has kept one period for predictable_min_intervals intervals, not before', () => {
    const p = new PredictableSources({});
    const probe = source('159.89.201.17');
    const times = schedule(T0, MIN, 5);
    visit(p, probe, times.slice(0, 4)); // three intervals
    expect(probe.predictable).toBe(0);
    expect(p.remembers(probe.ip)).toBe(false);
    visit(p, probe, times.slice(4)); // the fourth
    expect(probe.predictable).toBe(1);
    expect(p.remembers(probe.ip)).toBe(true);
    // The threshold is the key's: with 6 intervals required, 4 are not enough.
    const strict = new PredictableSources({ predictable_min_intervals: 6 });
    const other = source('159.89.201.18');
    visit(strict, other, times);
    expect(other.predictable).toBe(0);
  });

  it('tolerates jitter and a missed probe (median and MAD), not an irregular source', () => {
    const p = new PredictableSources({});
    const jittery = source('159.89.201.17');
    visit(p, jittery, schedule(T0, MIN, 6, [0, 900, -700, 400, 0, -1200]));
    expect(jittery.predictable).toBe(1);
    const missed = source('159.89.201.18');
    visit(p, missed, [...schedule(T0, MIN, 3), ...schedule(T0 + 4 * MIN, MIN, 4)]); // 60 60 120 60 60 60 s
    expect(missed.predictable).toBe(1);
    const irregular = source('159.89.201.19');
    visit(p, irregular, [T0, T0 + 40 * S, T0 + 3 * MIN, T0 + 4 * MIN, T0 + 7 * MIN, T0 + 7.5 * MIN]);
    expect(irregular.predictable).toBe(0);
  });

  it('does not call a source hammering faster than predictable_min_interval predictable, however regular', () => {
    const p = new PredictableSources({});
    const hammer = source('203.0.113.9');
    visit(p, hammer, schedule(T0, 2 * S, 9));
    expect(hammer.predictable).toBe(0);
    const paced = new PredictableSources({ predictable_min_interval: 1000 });
    const again = source('203.0.113.10');
    visit(paced, again, schedule(T0, 2 * S, 9));
    expect(again.predictable).toBe(1);
  });

  it('ends the predictability of a metronome that tries a second username (it walks a dictionary)', () => {
    const p = new PredictableSources({});
    const bot = source('203.0.113.9');
    bot.addName(1);
    visit(p, bot, schedule(T0, 167 * S, 6));
    expect(bot.predictable).toBe(1);
    // A second name within the same connection (no new visit) is enough.
    bot.addName(2);
    p.observe(bot, bot.visit, -1);
    expect(bot.predictable).toBe(0);
    expect(p.remembers(bot.ip)).toBe(false);
    visit(p, bot, schedule(T0 + 6 * 167 * S, 167 * S, 4));
    expect(bot.predictable).toBe(0);
    // observeNames, for a line that counts no attempt but names a second user.
    const other = source('203.0.113.10');
    other.addName(1);
    visit(p, other, schedule(T0, MIN, 5));
    other.addName(2);
    p.observeNames(other);
    expect(other.predictable).toBe(0);
  });

  it('counts the attempts of one connection as one visit (a cron job trying three passwords every 5 minutes)', () => {
    const p = new PredictableSources({});
    const cron = source('10.20.0.15');
    cron.addName(7);
    for (let k = 0; k < 5; k++) {
      const pid = 4000 + k * 13;
      for (let a = 0; a < 3; a++) p.observe(cron, T0 + k * 5 * MIN + a * 3 * S, connectionKey(pid, 50_000 + k));
    }
    expect(cron.gaps).toEqual([300_000, 300_000, 300_000, 300_000]);
    expect(cron.predictable).toBe(1);
    // Without pid nor port, the three attempts are three visits 3 s apart: not a schedule of 5 minutes.
    const bare = source('10.20.0.16');
    for (let k = 0; k < 5; k++) for (let a = 0; a < 3; a++) visit(p, bare, [T0 + k * 5 * MIN + a * 3 * S]);
    expect(bare.predictable).toBe(0);
    // The port stands in for a missing pid, apart from pids.
    expect(connectionKey(undefined, 22)).not.toBe(connectionKey(22, undefined));
    expect(connectionKey(undefined, undefined)).toBe(-1);
  });

  it('takes the connections of one source port as one visit when lines carry no pid (asserted as it stands)', () => {
    // `sshd -E` writes no pid: the remote port tells connections apart, and the port is the client's to choose. A bot
    // reusing one port hides the connections it makes between two scheduled ones from its schedule.
    const p = new PredictableSources({});
    const bot = source('203.0.113.9');
    bot.addName(1);
    for (let k = 0; k < 5; k++) {
      const port = k % 2 === 0 ? 40_000 : 40_001;
      for (let extra = 0; extra < 6; extra++)
        p.observe(bot, T0 + k * MIN + extra * 9 * S, connectionKey(undefined, port));
    }
    expect(bot.gaps).toEqual([MIN, MIN, MIN, MIN]);
    expect(bot.predictable).toBe(OWN_SCHEDULE);
  });

  it('vouches for a remembered source whose record starts again, while it keeps its schedule', () => {
    const p = new PredictableSources({});
    const last = T0 + 10 * MIN;
    visit(p, source('159.89.201.17'), schedule(T0, MIN, 11));
    // Its record was evicted (a flood): a new one, with no interval of its own, on schedule one minute later.
    const again = source('159.89.201.17', last + MIN);
    visit(p, again, [last + MIN]);
    expect(again.predictable).toBe(1);
    visit(p, again, [last + 2 * MIN + 1500]);
    expect(again.predictable).toBe(1);
    // Off schedule: forgotten, and it must show its intervals again.
    visit(p, again, [last + 2 * MIN + 1500 + 25 * S]);
    expect(again.predictable).toBe(0);
    expect(p.remembers(again.ip)).toBe(false);
    visit(p, again, [last + 3 * MIN + 25 * S]);
    expect(again.predictable).toBe(0);
  });

  it('vouches for a remembered source that missed a probe or two in a row, not three', () => {
    const p = new PredictableSources({});
    visit(p, source('159.89.201.17'), schedule(T0, MIN, 6));
    const last = T0 + 5 * MIN;
    const again = source('159.89.201.17', last + 3 * MIN);
    visit(p, again, [last + 3 * MIN + 2 * S]); // two missed
    expect(again.predictable).toBe(1);
    visit(p, again, [last + 5 * MIN]); // one missed
    expect(again.predictable).toBe(1);
    visit(p, again, [last + 9 * MIN]); // three missed
    expect(again.predictable).toBe(0);
    expect(p.remembers(again.ip)).toBe(false);
    // Half a period off is off schedule, however many were missed.
    visit(p, source('159.89.201.18'), schedule(T0, MIN, 6));
    const off = source('159.89.201.18', last + 150 * S);
    visit(p, off, [last + 150 * S]);
    expect(off.predictable).toBe(0);
  });

  it('does not vouch for a remembered source back after missing its schedule (an idle address reused)', () => {
    const p = new PredictableSources({});
    visit(p, source('159.89.201.17'), schedule(T0, MIN, 6));
    const back = source('159.89.201.17', T0 + 2 * HOUR);
    visit(p, back, [T0 + 2 * HOUR]);
    expect(back.predictable).toBe(0);
    expect(p.remembers(back.ip)).toBe(false);
  });

  it('keeps its incumbents when full: a newcomer takes only the place of one that missed its schedule', () => {
    const p = new PredictableSources({ predictable_max_sources: 2 });
    const a = source('198.51.100.1');
    const b = source('198.51.100.2');
    const c = source('198.51.100.3');
    visit(p, a, schedule(T0, MIN, 5));
    visit(p, b, schedule(T0 + 10 * S, MIN, 5));
    expect(p.size).toBe(2);
    // c is as regular, but a and b keep their schedules: c is predictable by its own record, not remembered.
    visit(p, c, schedule(T0 + 20 * S, MIN, 5));
    expect(c.predictable).toBe(1);
    expect([p.remembers(a.ip), p.remembers(b.ip), p.remembers(c.ip)]).toEqual([true, true, false]);
    // a stops; b keeps its schedule. Once a has missed its own, c takes its place.
    visit(p, b, schedule(T0 + 5 * MIN + 10 * S, MIN, 2));
    visit(p, c, schedule(T0 + 5 * MIN + 20 * S, MIN, 2));
    expect([p.remembers(a.ip), p.remembers(b.ip), p.remembers(c.ip)]).toEqual([false, true, true]);
  });

  it('marks a source in step with bursts when it first shows its schedule, and does not remember it', () => {
    // The synchrony signal's own test, predictability aside, stands in as a flag here.
    const synchronous = new Set<string>();
    const p = new PredictableSources({}, [], (s) => synchronous.has(s.ip));
    const bot = source('203.0.113.9');
    bot.addName(1);
    synchronous.add(bot.ip);
    visit(p, bot, schedule(T0, 330 * S, 5));
    expect(bot.predictable).toBe(IN_STEP);
    expect(p.remembers(bot.ip)).toBe(false);
    // It stays so while it keeps its tempo, whatever the bursts do, and a second name ends it like any other.
    synchronous.delete(bot.ip);
    visit(p, bot, schedule(T0 + 5 * 330 * S, 330 * S, 2));
    expect(bot.predictable).toBe(IN_STEP);
    bot.addName(2);
    p.observeNames(bot);
    expect(bot.predictable).toBe(0);
    // A source that showed its schedule alone keeps it when bursts come later (they may be timed on it).
    const probe = source('159.89.201.17');
    visit(p, probe, schedule(T0, MIN, 5));
    expect(probe.predictable).toBe(OWN_SCHEDULE);
    synchronous.add(probe.ip);
    visit(p, probe, schedule(T0 + 5 * MIN, MIN, 3));
    expect(probe.predictable).toBe(OWN_SCHEDULE);
    expect(p.remembers(probe.ip)).toBe(true);
  });

  it('takes each probe as a visit of its own, whatever its key (the listener writes dropped connections)', () => {
    const p = new PredictableSources({});
    const probe = source('159.89.201.17');
    // Keyed by the line's pid, `drop connection ...` lines (the listener's) would be one connection, one visit.
    for (const t of schedule(T0, MIN, 5)) p.observe(probe, t, 812);
    expect(probe.gaps).toEqual([]);
    const again = source('159.89.201.18');
    for (const t of schedule(T0, MIN, 5)) p.observe(again, t, OWN_CONNECTION);
    expect(again.gaps).toEqual([MIN, MIN, MIN, MIN]);
    expect(again.predictable).toBe(OWN_SCHEDULE);
  });

  it('round-trips its memory through a snapshot', () => {
    const p = new PredictableSources({});
    visit(p, source('159.89.201.17'), schedule(T0, MIN, 6));
    visit(p, source('10.20.0.15'), schedule(T0 + 2 * S, 5 * MIN, 6));
    const saved = JSON.parse(JSON.stringify(p.snapshot())) as ReturnType<PredictableSources['snapshot']>;
    expect(saved).toEqual([
      ['159.89.201.17', T0 + 5 * MIN, MIN],
      ['10.20.0.15', T0 + 2 * S + 25 * MIN, 5 * MIN],
    ]);
    const restored = new PredictableSources({}, saved);
    const again = source('159.89.201.17', T0 + 6 * MIN);
    visit(restored, again, [T0 + 6 * MIN]);
    expect(again.predictable).toBe(1);
    expect(restored.snapshot()).toEqual([saved[1], ['159.89.201.17', T0 + 6 * MIN, MIN]]);
  });
});
