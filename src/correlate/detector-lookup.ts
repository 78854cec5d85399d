import { isIP } from 'node:net';
import type { CampaignLookup, CampaignMatch } from '../alerts/campaign-lookup.js';
import type { AuthEvent } from '../core/auth-event.js';
import type { Campaign } from './campaign.js';
import type { CampaignDetector } from './campaign-detector.js';
import { namesOnly } from './campaign-match.js';
import { nameHash } from './name-key.js';
import { maskText } from './signals/signal.js';
import { scratchSource } from './source-state.js';

function asMatch(c: Campaign, signals: string): CampaignMatch {
  return { id: c.id, signals };
}

/**
 * The detector's answers to the compromise and lateral-movement alerts. Pure reads: nothing here changes the
 * detector (a source the detector does not know is judged on a throw-away state object).
 */
export class DetectorLookup implements CampaignLookup {
  constructor(private readonly detector: CampaignDetector) {}

  memberOf(ip: string, time: number): CampaignMatch | null {
    const source = this.detector.sources.get(ip);
    // An ended campaign's member list may have given way to live ones (max_members in all): a tracked source still
    // names its campaign until it acts again.
    const c =
      this.detector.book.memberOf(ip, source) ??
      this.recentlyEnded(time).find((ended) => source?.campaign === ended.id || ended.members.has(ip));
    return c ? asMatch(c, c.signals.join('+')) : null;
  }

  /**
   * Campaigns that ended recently enough to still count, newest first. A campaign ends when its members have been
   * quiet for campaign_end, and fail2ban's ban is what keeps them quiet: a member is back when its ban expires, with
   * whatever password it found. So an ended campaign counts for the campaign jail's bantime after its end (the
   * book keeps the last few ended campaigns: bounded).
   */
  private recentlyEnded(time: number): Campaign[] {
    const keep = this.detector.thresholds.campaignBantime + this.detector.settings.end;
    const ended = this.detector.book.ended;
    const out: Campaign[] = [];
    for (let i = ended.length - 1; i >= 0; i--) {
      const c = ended[i]!;
      if (c.ended !== undefined && c.ended <= time && time - c.ended <= keep) out.push(c);
    }
    return out;
  }

  matchingCampaign(event: AuthEvent): CampaignMatch | null {
    const d = this.detector;
    if (d.neverBan.reason(event.ip, event.bannable) !== null) return null;
    const source = d.sources.get(event.ip) ?? scratchSource(event.ip, event.time);
    const ev = d.signals.evaluate(source, event.time);
    for (let i = d.book.live.length - 1; i >= 0; i--) {
      const c = d.book.live[i]!;
      const matched = d.book.match(c, source, ev);
      if (d.book.joins(c, source, ev, matched)) {
        const match = asMatch(c, maskText(matched));
        return d.book.held.namesAlone && namesOnly(matched) ? { ...match, namesAloneHeld: true } : match;
      }
    }
    return null;
  }

  sprayingCampaign(user: string, time: number): CampaignMatch | null {
    const hash = nameHash(user);
    const live = this.detector.book.live;
    for (let i = live.length - 1; i >= 0; i--) {
      const c = live[i]!;
      if ((c.names.get(hash) ?? 0) > 0) return asMatch(c, 'dictionary');
    }
    const ended = this.recentlyEnded(time).find((c) => (c.names.get(hash) ?? 0) > 0);
    return ended ? asMatch(ended, 'dictionary') : null;
  }

  hasSuccessHistory(ip: string, time: number): boolean {
    return this.detector.successes.lastSuccess(ip, time - 1) >= 0;
  }

  mayBan(ip: string): boolean {
    return this.detector.neverBan.reason(ip, isIP(ip) !== 0) === null;
  }
}
