import { readFileSync } from 'node:fs';
import type { JournalPlace } from './journal-cursor.js';

/**
 * Where a follower with no cursor began, on the boot's own clock: the boot id (as /proc shows it) and
 * CLOCK_MONOTONIC in µs, taken with the wall-clock time. journald stamps each entry with both (`_BOOT_ID`,
 * `__MONOTONIC_TIMESTAMP`, from the same CLOCK_MONOTONIC), and a step of the wall clock moves neither.
 */
export interface BootTime {
  readonly boot: string;
  readonly monotonic: number;
}

/**
 * How a follower with no cursor tells the entries it is to read from those before its point:
 * - `boot-time`: the point's boot is the current one: by the boot's own clock, whatever the wall clock did;
 * - `new-boot`: the machine booted since: every entry of this boot came after the point;
 * - `wall-clock`: the point's boot is not known (a state from before 2026-11-24, no boot id in /proc, `start_at =
 *   start`): by journald's wall-clock time, `__REALTIME_TIMESTAMP`.
 */
export type ResumeBy = 'boot-time' | 'new-boot' | 'wall-clock';

/** The current boot's id, as journald stamps it in `_BOOT_ID`; null when /proc does not show one. */
export function localBootId(path = '/proc/sys/kernel/random/boot_id'): string | null {
  try {
    const id = readFileSync(path, 'utf8').trim().replaceAll('-', '');
    return /^[0-9a-f]{32}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** CLOCK_MONOTONIC in µs, the clock journald stamps as __MONOTONIC_TIMESTAMP (libuv's hrtime reads the same). */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function resumeBy(at: BootTime | undefined, currentBoot: string | null): ResumeBy {
  if (at === undefined || currentBoot === null) return 'wall-clock';
  return at.boot === currentBoot ? 'boot-time' : 'new-boot';
}

/**
 * The cursor journalctl is to seek to for a point (`since`, ms), null for `wall-clock` (then `--since`). A cursor
 * of the boot and monotonic time alone is one sd_journal_seek_cursor takes: each journal file of that boot is sought
 * by monotonic time (journalctl 252's `--since` seeks by the wall clock, and sent nothing that journald stamped
 * before it, even written after the restart, once the clock had been set back). `t=` seeks the files of other boots.
 * For a new boot, from its first entry.
 */
export function startCursor(since: number, at: BootTime | undefined, currentBoot: string | null): string | null {
  const by = resumeBy(at, currentBoot);
  if (by === 'wall-clock') return null;
  const monotonic = by === 'boot-time' ? at!.monotonic : 0;
  return `b=${currentBoot};m=${monotonic.toString(16)};t=${(since * 1000).toString(16)}`;
}

/**
 * Whether an entry comes before a follower's point (`since`, ms): within the point's boot by the boot's clock, any
 * of a boot that came after it (the current one, for `new-boot`) never, any other by the wall clock.
 */
export function beforePoint(
  place: JournalPlace,
  since: number,
  at: BootTime | undefined,
  currentBoot: string | null,
): boolean {
  if (at !== undefined && place.bootId === at.boot) return place.monotonic < BigInt(at.monotonic);
  if (resumeBy(at, currentBoot) === 'new-boot' && place.bootId === currentBoot) return false;
  return place.realtime < BigInt(since) * 1000n;
}
