import type { Verdict } from '../core/verdict.js';
import type { CampaignBook } from './campaign-book.js';
import type { RecencyMap } from './recency-map.js';
import type { SignalSet } from './signal-set.js';
import type { SourceTable } from './source-table.js';

/**
 * How many times the recent sources are judged again while bans tie more of them. A pass that bans one source only
 * would make an opening's work quadratic in the recent sources, a pause an attacker could order up by chaining names;
 * two or three passes settled the e2e campaign's replayed openings, and a source a longer chain leaves out is judged
 * at its next attempt (test/replay/opening-order.test.ts).
 */
const REJUDGE_PASSES = 8;

/** What re-judging reads and asks: the detector's parts. */
export interface Judges {
  readonly sources: SourceTable;
  readonly book: CampaignBook;
  readonly signals: SignalSet;
  /** campaign_window: a source seen longer ago than this is no longer a candidate. */
  readonly window: number;
}

/**
 * When a campaign opens or the surge alarm starts, the sources seen lately that are no member may match only now:
 * each is judged again, and again while a pass bans anyone. Each ban adds its member's names to the campaign's
 * dictionary, which may tie a source judged before it in the same pass (a source that tried a real account's name
 * once, and a member banned after it in the pass tried it too). Judged once, in recency order, such a source was
 * banned or not by which of the two had acted last, and never judged again unless it came back.
 */
export function rejudgeRecent(recent: RecencyMap<string>, judges: Judges, now: number): Verdict[] {
  const { sources, book, signals, window } = judges;
  const out: Verdict[] = [];
  let pending = recent.entries();
  for (let pass = 1; ; pass++) {
    const bans = book.bans;
    const left: Array<[string, number]> = [];
    for (const entry of pending) {
      const [ip, seen] = entry;
      const s = sources.get(ip);
      if (!s || seen < now - window || book.memberOf(ip, s)) continue;
      out.push(...book.consider(s, signals.evaluate(s, now), now));
      if (!book.memberOf(ip, s)) left.push(entry);
    }
    if (book.bans === bans || left.length === 0 || pass === REJUDGE_PASSES) return out;
    pending = left;
  }
}
