import type { BookSnapshot } from './campaign-book.js';
import type { PredictableSnapshot } from './predictable-sources.js';
import type { SignalSetSnapshot } from './signal-set.js';
import type { SourceTableSnapshot } from './source-table.js';
import type { SuccessSnapshot } from './success-history.js';

/** What CampaignDetector.snapshot() gives and its constructor resumes from: plain JSON. */
export interface DetectorSnapshot {
  readonly version: 1;
  readonly now: number;
  readonly sources: SourceTableSnapshot;
  readonly signals: SignalSetSnapshot;
  readonly book: BookSnapshot;
  readonly successes: SuccessSnapshot;
  readonly recent: Array<[string, number]>;
  readonly counters: Counters;
  /** Sources evicted so far (absent in older snapshots). */
  readonly evictedSources?: number;
  /** Sources remembered as keeping a schedule of their own (absent in older snapshots: none remembered). */
  readonly predictable?: PredictableSnapshot;
}

export interface Counters {
  events: number;
  failures: number;
  probes: number;
  successes: number;
  neverBan: number;
  samples: number;
  /** Failures and probes from a member whose ban of ours was still running (see `behindBan`). */
  whileBanned: number;
}
