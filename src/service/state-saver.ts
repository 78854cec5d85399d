import type { CorrelationCore } from '../core/correlation-core.js';
import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';
import { SavePace } from './save-pace.js';
import { type CoreText, type ServiceState, saveState } from './state-store.js';

/**
 * The service's state saves: whole and atomic (state-store.ts), skipped while nothing changed (an idle service
 * does not rewrite and fsync the same state), spaced by SavePace, and a failure said, then its recovery once.
 */
export class StateSaver {
  /** Pipeline activity at the last save. */
  private savedActivity = -1;
  /** Saves failed in a row (a full disk): said again once one succeeds. */
  private failedSaves = 0;
  private readonly pace: SavePace;

  constructor(
    private readonly stateDir: string,
    interval: number,
    writeRate: number,
    private readonly log: Logger,
  ) {
    this.pace = new SavePace(interval, writeRate, log);
  }

  /** Whether a periodic save is worth running now: something changed, and the pace allows it. */
  due(activity: number, now: number): boolean {
    return activity !== this.savedActivity && this.pace.due(now);
  }

  /** Saves `state` with `core`'s snapshot; `activity`: the pipeline's, which the next due() compares with. */
  save(state: ServiceState, core: CorrelationCore, activity: number): void {
    try {
      // The core's snapshot, in pieces (a flood's 100,000 sources are ~80 MB as objects), taken now with the rest;
      // its rows apart, when it has them, for a restart to read one at a time.
      const bytes = saveState(this.stateDir, state, coreText(core));
      this.savedActivity = activity;
      this.pace.saved(bytes, Date.now());
      if (this.failedSaves > 0) {
        this.log.info({ event: LOG_EVENTS.stateSaveRecovered, failedSaves: this.failedSaves });
        this.failedSaves = 0;
      }
    } catch (error) {
      // Not fatal: the previous state still stands, a restart re-reads (and dedupes) a little more.
      this.failedSaves++;
      this.log.error({ event: LOG_EVENTS.stateSaveFailed, err: (error as Error).message });
    }
  }
}

/** What the state file holds of the core: its snapshot in pieces, with its rows apart when it has them. */
export function coreText(core: CorrelationCore): CoreText {
  if (core.snapshotJson && core.snapshotRows) return { json: core.snapshotJson(true), rows: core.snapshotRows() };
  return { json: core.snapshotJson?.() ?? [JSON.stringify(core.snapshot())] };
}
