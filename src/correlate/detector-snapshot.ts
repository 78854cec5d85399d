import type { BookSnapshot } from './campaign-book.js';
import type { PredictableSnapshot } from './predictable-sources.js';
import type { SignalSet, SignalSetSnapshot } from './signal-set.js';
import type { SourceData, SourceRow } from './source-snapshot.js';
import type { RowsToRestore, SourceTable, SourceTableSnapshot } from './source-table.js';
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

/** All of a snapshot but its two large parts, the signals and the sources. */
export type SnapshotRest = Omit<DetectorSnapshot, 'signals' | 'sources'>;

/**
 * A snapshot as JSON text in pieces: what JSON.stringify of the whole would hold (the signals and the sources last).
 * The sources are written a row at a time (built whole, 100,000 of them took ~80 MB of heap, and the text as much
 * again, at every state save), the signals' blocks and names a key at a time.
 */
export function* detectorSnapshotJson(
  rest: SnapshotRest,
  signals: SignalSet,
  sources: SourceTable,
  rowsApart: boolean,
): Generator<string> {
  const head = JSON.stringify(rest);
  yield `${head.slice(0, -1)},"signals":`;
  yield* signals.snapshotJson();
  yield ',"sources":';
  yield* sources.snapshotJson(rowsApart);
  yield '}';
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

/** The counters a snapshot kept, or zeros; `whileBanned` is absent from older snapshots. */
export function restoredCounters(snapshot: DetectorSnapshot | undefined): Counters {
  return snapshot
    ? { ...snapshot.counters, whileBanned: snapshot.counters.whileBanned ?? 0 }
    : { events: 0, failures: 0, probes: 0, successes: 0, neverBan: 0, samples: 0, whileBanned: 0 };
}

/**
 * The source table's part of a snapshot, joined again with its rows when they were kept apart (snapshotJson's
 * `rowsApart`: a restart reads them one at a time rather than as one array).
 */
export function restoredSources(
  snapshot: DetectorSnapshot | undefined,
  rows: Iterable<unknown> | undefined,
): RowsToRestore | Array<[SourceData, number]> | undefined {
  const sources = snapshot?.sources;
  return rows !== undefined && sources !== undefined && !Array.isArray(sources)
    ? { fields: sources.fields, rows: rows as Iterable<[...SourceRow, number]> }
    : sources;
}
