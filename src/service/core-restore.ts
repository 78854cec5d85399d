import type { ConfigValues } from '../config/load-config.js';
import type { CorrelationCore } from '../core/correlation-core.js';
import { F2bCampaignError } from '../core/errors.js';
import type { Fail2banThresholds } from '../core/fail2ban-thresholds.js';
import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';
import { coreAsRestored } from './state-saver.js';

/** A core for the service; `rows`: the snapshot's rows, when the state file kept them apart (state-store.ts). */
export type CoreFactory = (
  values: ConfigValues,
  thresholds: Fail2banThresholds,
  snapshot?: unknown,
  rows?: Iterable<unknown>,
) => CorrelationCore;

/** A core with these settings resuming from `snapshot`, or afresh when the snapshot cannot be read (said in `log`). */
export function restoredCore(
  createCore: CoreFactory,
  log: Logger,
  values: ConfigValues,
  thresholds: Fail2banThresholds,
  snapshot: unknown,
  rows?: Iterable<unknown>,
): CorrelationCore {
  try {
    return createCore(values, thresholds, snapshot ?? undefined, rows);
  } catch (error) {
    // An error of ours is the configuration's (an unreadable asn_database, say), not the snapshot's: the same core
    // without the snapshot would fail alike.
    if (snapshot === undefined || error instanceof F2bCampaignError) throw error;
    // An unreadable snapshot loses open campaigns, not lines: start afresh and say so.
    log.error({ event: LOG_EVENTS.stateCorrupt, problem: `core snapshot: ${(error as Error).message}` });
    return createCore(values, thresholds);
  }
}

/**
 * A core with these settings, resuming from `old`'s state as a restart resumes from the state file: the snapshot's
 * text, then its rows parsed one at a time as the new core takes them. Taken whole, as snapshot()'s objects, after a
 * flood of 100,000 addresses it doubled the process's memory at every SIGHUP (139 -> 280 MB).
 */
export function rebuiltCore(
  createCore: CoreFactory,
  log: Logger,
  values: ConfigValues,
  thresholds: Fail2banThresholds,
  old: CorrelationCore,
): CorrelationCore {
  const { snapshot, rows } = coreAsRestored(old);
  return restoredCore(createCore, log, values, thresholds, snapshot, rows);
}
