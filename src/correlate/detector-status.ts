import type { Campaign } from './campaign.js';
import type { CampaignBook } from './campaign-book.js';
import type { Counters } from './detector-snapshot.js';
import type { SurgeSignal } from './signals/surge.js';
import type { SourceTable } from './source-table.js';

const iso = (t: number): string => new Date(t).toISOString();

function describe(c: Campaign): Record<string, unknown> {
  return {
    id: c.id,
    members: c.memberCount,
    signals: c.signals.join('+'),
    start: iso(c.start),
    lastSeen: iso(c.lastSeen),
    ...(c.ended >= 0 ? { ended: iso(c.ended) } : {}),
  };
}

/** What `f2b-campaign status` shows of the detector: campaigns, counters, the surge test. JSON-serialisable. */
export function detectorStatus(
  book: CampaignBook,
  sources: SourceTable,
  surge: SurgeSignal,
  counters: Counters,
  /** Sources remembered as keeping a schedule of their own (predictable-sources.ts). */
  predictableSources: number,
): unknown {
  return {
    campaigns: book.live.map(describe),
    endedCampaigns: book.ended.map(describe),
    trackedSources: sources.size,
    evictedSources: sources.evicted,
    predictableSources,
    candidates: book.waiting,
    heldBans: book.held.size,
    // Since start: holds refused because the most were running, so those sources were banned at once.
    heldBansRefused: book.held.full,
    bans: book.bans,
    surge: surge.status(),
    ...counters,
  };
}
