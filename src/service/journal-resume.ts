import { type BootTime, type ResumeBy, resumeBy } from '../sources/journal-start.js';
import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';
import type { ServiceState } from './state-store.js';

/** Where a follower with no cursor resumes: a wall-clock time (ms) and, where known, the same on the boot's clock. */
export interface JournalPoint {
  readonly since: number;
  readonly at?: BootTime;
}

/** The saved point's boot time, if it is one: a state edited by hand, or of another version, may hold anything. */
function savedAt(state: ServiceState): BootTime | undefined {
  const at = state.journalSinceAt;
  if (typeof at?.boot !== 'string' || !/^[0-9a-f]{32}$/.test(at.boot)) return undefined;
  return Number.isSafeInteger(at.monotonic) && at.monotonic >= 0
    ? { boot: at.boot, monotonic: at.monotonic }
    : undefined;
}

/**
 * Where the journal follower of a state with no cursor resumes (the run that saved it had read nothing), said once
 * as the service starts: INFO `journal-resumed`, `by` how entries before the point are told from those after it
 * (journal-start.ts). A wall clock set back while the service was stopped (NTP stepping a clock that ran ahead, a
 * VM restored) stamps new entries before the point: read by the boot's clock, they are read all the same. When only
 * the wall clock can tell (`by: wall-clock`) and it is behind the point, the follower resumes at the wall clock's
 * now instead, WARN: entries journald stamped before now are passed over, those written after the step before the
 * start among them; kept at the point, every entry until the clock passed it again would be.
 */
export function journalResumePoint(
  state: ServiceState,
  now: number,
  currentBoot: string | null,
  log: Logger,
): JournalPoint {
  // A state from before journalSince: the time of its save.
  const since = state.journalSince ?? state.savedAt;
  const at = savedAt(state);
  const by: ResumeBy = resumeBy(at, currentBoot);
  const behind = since - now;
  const said = {
    event: LOG_EVENTS.journalResumed,
    since: new Date(since).toISOString(),
    by,
    ...(behind > 0 ? { wallClockBehindMs: behind } : {}),
  };
  if (by !== 'wall-clock' || behind <= 0) {
    log.info(said);
    return at === undefined ? { since } : { since, at };
  }
  log.warn({ ...said, resumedAt: new Date(now).toISOString() });
  return { since: now };
}
