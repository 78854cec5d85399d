import { describe, expect, it } from 'vitest';
import { JournalCheck, type JournalFollower } from '../../src/service/journal-check.js';
import { memoryLogger } from './helpers.js';

/**
 * The journal check (src/service/journal-check.ts) with a journalctl and a follower played by the test: the core's
 * clock passes a deadline only once the follower has read the newest entry journalctl named after the deadline.
 */
class Follower implements JournalFollower {
  read = 0;
  lastDataAt = 0;
  hasRead(cursor: string): boolean {
    return this.read >= Number(cursor);
  }
  quiet(now: number, quietMs: number): boolean {
    return now - this.lastDataAt >= quietMs;
  }
}

/** A journalctl whose answers the test gives, one question at a time. */
function journalctl() {
  const asked: Array<{ answer: (cursor: string | null) => void; fail: (error: Error) => void; signal: AbortSignal }> =
    [];
  const askNewest = (signal: AbortSignal) =>
    new Promise<string | null>((answer, fail) => asked.push({ answer, fail, signal }));
  return { asked, askNewest };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function setUp() {
  const follower = new Follower();
  const asking = journalctl();
  const logged = memoryLogger();
  let now = 100_000;
  const check = new JournalCheck({
    askNewest: asking.askNewest,
    follower: () => follower,
    log: logged.log,
    retryMs: 30_000,
    stuckMs: 20_000,
    clock: () => now,
  });
  return {
    check,
    follower,
    asked: asking.asked,
    warnings: () => logged.lines().filter((l) => l['event'] === 'journal-check-failed'),
    at: (ms: number) => {
      now = ms;
      return ms;
    },
  };
}

describe('journal check: the clock passes a deadline once journalctl has named what the follower must read', () => {
  it('lets the clock go where it would when no deadline lies on the way, and asks nothing', () => {
    const { check, asked } = setUp();
    expect(check.limit(98_000, undefined, 100_000)).toBe(98_000);
    expect(check.limit(98_000, 98_001, 100_000)).toBe(98_000);
    expect(asked).toHaveLength(0);
  });

  it('stops the clock short of a deadline until the follower has read the newest entry, asking once meanwhile', async () => {
    const { check, follower, asked, at } = setUp();
    expect(check.limit(98_000, 97_000, at(100_000))).toBe(96_999);
    expect(check.limit(99_000, 97_000, at(101_000))).toBe(96_999);
    expect(asked, 'one question at a time').toHaveLength(1);
    asked[0]!.answer('7');
    await settle();
    follower.read = 6;
    expect(check.limit(100_000, 97_000, at(102_000))).toBe(96_999);
    follower.read = 7;
    // Proven up to where the clock would have gone when journalctl was asked, not further: a later deadline may lie
    // beyond it.
    expect(check.limit(101_000, 97_000, at(103_000))).toBe(98_000);
    expect(asked).toHaveLength(1);
  });

  it('asks again for a deadline beyond what the last check proved', async () => {
    const { check, follower, asked, at } = setUp();
    check.limit(98_000, 97_000, at(100_000));
    follower.read = 7;
    asked[0]!.answer('7');
    await settle();
    expect(check.limit(99_000, 98_000, at(101_000)), 'proven').toBe(98_000);
    expect(check.limit(99_000, 98_500, at(101_000)), 'not proven').toBe(98_499);
    expect(asked).toHaveLength(2);
    follower.read = 8;
    asked[1]!.answer('8');
    await settle();
    expect(check.limit(99_500, 98_500, at(101_500))).toBe(99_000);
  });

  it('counts an empty journal as read', async () => {
    const { check, asked, at } = setUp();
    check.limit(98_000, 97_000, at(100_000));
    asked[0]!.answer(null);
    await settle();
    expect(check.limit(98_500, 97_000, at(100_500))).toBe(98_000);
  });

  it('keeps the clock short of the deadline when journalctl fails, says so, and asks again later', async () => {
    const { check, follower, asked, warnings, at } = setUp();
    check.limit(98_000, 97_000, at(100_000));
    asked[0]!.fail(new Error('journalctl exited with code 1: Failed to open journal'));
    await settle();
    expect(warnings()).toMatchObject([{ err: expect.stringContaining('Failed to open journal'), retryInMs: 30_000 }]);
    follower.read = 1000;
    expect(check.limit(110_000, 97_000, at(112_000))).toBe(96_999);
    expect(asked, 'not before the retry delay').toHaveLength(1);
    // `status` says why held bans do not end, which only the WARN said before.
    expect(check.note(112_000)).toBe(
      'clock held before 1970-01-01T00:01:37.000Z for 12 s: the last check failed (journalctl exited with code 1: ' +
        'Failed to open journal); retried every 30 s',
    );
    check.limit(128_000, 97_000, at(130_000));
    expect(asked).toHaveLength(2);
    expect(check.note(130_000)).toMatch(/for 30 s: asking journalctl for the newest sshd entry$/);
    asked[1]!.answer('9');
    await settle();
    expect(check.limit(128_500, 97_000, at(130_500))).toBe(128_000);
    expect(check.note(130_500)).toBeUndefined();
  });

  it('says nothing in status of a hold shorter than a few seconds, as a check that succeeds makes', async () => {
    const { check, asked, at } = setUp();
    expect(check.limit(98_000, 97_000, at(100_000))).toBe(96_999);
    expect(check.note(102_999)).toBeUndefined();
    expect(check.note(103_000)).toMatch(/^clock held before 1970-01-01T00:01:37.000Z for 3 s: asking/);
    asked[0]!.answer(null);
    await settle();
    expect(check.limit(98_500, 97_000, at(105_500))).toBe(98_000);
    expect(check.note(105_500)).toBeUndefined();
  });

  it('gives up on a follower that stops short of the entry journalctl named, and asks again later', async () => {
    const { check, follower, asked, warnings, at } = setUp();
    check.limit(98_000, 97_000, at(100_000));
    asked[0]!.answer('7');
    await settle();
    follower.lastDataAt = 100_000;
    expect(check.limit(110_000, 97_000, at(112_000))).toBe(96_999);
    expect(warnings()).toEqual([]);
    expect(check.limit(118_000, 97_000, at(120_000))).toBe(96_999);
    expect(warnings()).toMatchObject([{ err: expect.stringContaining('short of entry 7') }]);
    expect(check.limit(120_000, 97_000, at(122_000))).toBe(96_999);
    expect(asked).toHaveLength(1);
  });

  it('waits for a follower still sending, however long it takes', async () => {
    const { check, follower, asked, warnings, at } = setUp();
    check.limit(98_000, 97_000, at(100_000));
    asked[0]!.answer('7');
    await settle();
    for (let t = 101_000; t < 200_000; t += 1000) {
      follower.lastDataAt = t;
      expect(check.limit(t - 2000, 97_000, at(t))).toBe(96_999);
    }
    expect(warnings()).toEqual([]);
    follower.read = 7;
    expect(check.limit(200_000, 97_000, at(202_000))).toBe(98_000);
  });

  it('cancels the question under way when the service stops', () => {
    const { check, asked, at } = setUp();
    check.limit(98_000, 97_000, at(100_000));
    check.stop();
    expect(asked[0]!.signal.aborted).toBe(true);
  });
});
