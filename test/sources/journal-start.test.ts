import { describe, expect, it } from 'vitest';
import { journalResumePoint } from '../../src/service/journal-resume.js';
import type { ServiceState } from '../../src/service/state-store.js';
import { journalPlace } from '../../src/sources/journal-cursor.js';
import { beforePoint, resumeBy, startCursor } from '../../src/sources/journal-start.js';
import { emptyState, memoryLogger } from '../service/helpers.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const SINCE = 1_795_000_000_000;
/** An entry of `boot` at `monotonic` µs, stamped `realtime` ms by the wall clock. */
const place = (boot: string, monotonic: number, realtime: number) =>
  journalPlace(
    `s=${'c'.repeat(32)};i=1;b=${boot};m=${monotonic.toString(16)};t=${(realtime * 1000).toString(16)};x=1`,
  )!;

describe('where a follower with no cursor resumes', () => {
  it('in the same boot, by the boot clock: an entry the wall clock stamped before the point is read', () => {
    const at = { boot: A, monotonic: 5_000_000 };
    expect(resumeBy(at, A)).toBe('boot-time');
    expect(startCursor(SINCE, at, A)).toBe(`b=${A};m=4c4b40;t=${(SINCE * 1000).toString(16)}`);
    expect(beforePoint(place(A, 5_000_001, SINCE - 3_600_000), SINCE, at, A)).toBe(false);
    expect(beforePoint(place(A, 4_999_999, SINCE + 3_600_000), SINCE, at, A)).toBe(true);
  });

  it('after a reboot, the new boot from its first entry, the old one by its own clock', () => {
    const at = { boot: A, monotonic: 5_000_000 };
    expect(resumeBy(at, B)).toBe('new-boot');
    expect(startCursor(SINCE, at, B)).toBe(`b=${B};m=0;t=${(SINCE * 1000).toString(16)}`);
    expect(beforePoint(place(B, 1, SINCE - 3_600_000), SINCE, at, B)).toBe(false);
    expect(beforePoint(place(A, 4_999_999, SINCE + 1), SINCE, at, B)).toBe(true);
    expect(beforePoint(place(A, 5_000_000, SINCE - 1), SINCE, at, B)).toBe(false);
  });

  it('with no boot known, by the wall clock', () => {
    expect(resumeBy(undefined, A)).toBe('wall-clock');
    expect(resumeBy({ boot: A, monotonic: 1 }, null)).toBe('wall-clock');
    expect(startCursor(SINCE, undefined, A)).toBeNull();
    expect(beforePoint(place(B, 9, SINCE - 1), SINCE, undefined, A)).toBe(true);
    expect(beforePoint(place(B, 9, SINCE), SINCE, undefined, A)).toBe(false);
  });
});

describe('journal-resumed, said as the service starts', () => {
  const state = (extra: Partial<ServiceState>): ServiceState =>
    emptyState({ savedAt: SINCE + 10_000, journalSince: SINCE, ...extra });

  it('INFO by the boot clock, with how far the wall clock is behind the point', () => {
    const { log, lines } = memoryLogger();
    const point = journalResumePoint(state({ journalSinceAt: { boot: A, monotonic: 7 } }), SINCE - 60_000, A, log);
    expect(point).toEqual({ since: SINCE, at: { boot: A, monotonic: 7 } });
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 30,
        event: 'journal-resumed',
        by: 'boot-time',
        since: new Date(SINCE).toISOString(),
        wallClockBehindMs: 60_000,
      }),
    ]);
  });

  it('WARN, from now, when only the wall clock can tell and it is behind the point', () => {
    const { log, lines } = memoryLogger();
    expect(journalResumePoint(state({}), SINCE - 60_000, A, log)).toEqual({ since: SINCE - 60_000 });
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 40,
        event: 'journal-resumed',
        by: 'wall-clock',
        wallClockBehindMs: 60_000,
        resumedAt: new Date(SINCE - 60_000).toISOString(),
      }),
    ]);
  });

  it('a boot time that is not one is left out: by the wall clock', () => {
    const { log, lines } = memoryLogger();
    const odd = { journalSinceAt: { boot: 'x', monotonic: -1 } } as unknown as Partial<ServiceState>;
    expect(journalResumePoint(state(odd), SINCE + 1, A, log)).toEqual({ since: SINCE });
    expect(lines()[0]).toMatchObject({ level: 30, by: 'wall-clock' });
  });
});
