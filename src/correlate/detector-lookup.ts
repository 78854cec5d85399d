import { isIP } from 'node:net';
import type { CampaignLookup, CampaignMatch } from '../alerts/campaign-lookup.js';
import type { AuthEvent } from '../core/auth-event.js';
import type { Campaign } from './campaign.js';
import type { CampaignDetector } from './campaign-detector.js';
import { hasBlock, namesOnly } from './campaign-match.js';
import { strength } from './candidate-pool.js';
import { type BlockKey, neighbourKey, providerKey } from './ip-prefix.js';
import { nameHash } from './name-key.js';
import { protection } from './never-ban.js';
import { type Evidence, maskText, type SignalMask, signalBit } from './signals/signal.js';
import { type SourceState, scratchSource } from './source-state.js';

const LOCALITY = signalBit('locality');

function asMatch(c: Campaign, signals: string): CampaignMatch {
  return { id: c.id, signals };
}

/** Each fingerprint's text; a fingerprint that grows is a new list (learnFromMember), so the text is made once. */
const fingerprintTexts = new WeakMap<readonly string[], string>();

function fingerprintText(c: Campaign): string {
  let text = fingerprintTexts.get(c.signals);
  if (text === undefined) {
    text = c.signals.join('+');
    fingerprintTexts.set(c.signals, text);
  }
  return text;
}

/**
 * The detector's answers to the compromise and lateral-movement alerts. Pure reads: nothing here changes the
 * detector (a source the detector does not know is judged on a throw-away state object).
 */
export class DetectorLookup implements CampaignLookup {
  /** The evidence of the login judged, reused: matchingCampaign keeps none of it. */
  private readonly scratch: Evidence = new Map();

  constructor(private readonly detector: CampaignDetector) {}

  /**
   * A member is judged as its membership was decided (docs/audit.md). An address that logged in within
   * success_memory before this login (IPv6: its /64) is protected, so a ban for this login overrides that, and its
   * line says so as the campaign's bans do (found in review: it never did).
   */
  memberOf(ip: string, time: number): CampaignMatch | null {
    // An address the never-ban rules cover now was a member before it was added to ignoreip (an operator's own
    // address, unbanned and spared: README, "Banned one of your own?"). The detector forgot its record at the reload;
    // its campaigns still list it. Alerted on, each of that user's logins was a compromise ALERT and opened a lateral
    // watch on their own outbound connections (found in session 35): it is judged as if it had been spared from the
    // start, as matchingCampaign judges such an address.
    if (!this.mayBan(ip)) return null;
    const source = this.detector.sources.get(ip);
    const c = this.detector.book.memberOf(ip, source) ?? this.endedMemberOf(ip, source, time);
    if (!c) return null;
    const match = asMatch(c, fingerprintText(c));
    return this.detector.successes.protects(ip, time - 1) ? { ...match, protection: 'overridden' } : match;
  }

  /**
   * The newest ended campaign that still counts (stillCounts) and lists `ip`. An ended campaign's member list may
   * have given way to live ones (max_members in all): a tracked source still names its campaign until it acts again.
   */
  private endedMemberOf(ip: string, source: SourceState | undefined, time: number): Campaign | undefined {
    const ended = this.detector.book.ended;
    for (let i = ended.length - 1; i >= 0; i--) {
      const c = ended[i]!;
      if (this.stillCounts(c, time) && (source?.campaign === c.id || c.members.has(ip))) return c;
    }
    return undefined;
  }

  /**
   * Whether the ended campaign `c` ended recently enough to still count at `time`. A campaign ends when its members
   * have been quiet for campaign_end, and fail2ban's ban is what keeps them quiet: a member is back when its ban
   * expires, with whatever password it found. So an ended campaign counts for the campaign jail's bantime after its
   * end (the book keeps the last few ended campaigns: bounded). Asked newest first, in loops rather than find():
   * this runs for every login.
   */
  private stillCounts(c: Campaign, time: number): boolean {
    const keep = this.detector.thresholds.campaignBantime + this.detector.settings.end;
    return c.ended !== undefined && c.ended <= time && time - c.ended <= keep;
  }

  /**
   * A login judged against the fingerprints on the terms docs/detection.md promises for a recent success: a block
   * counts only if nobody logged in from it lately (an office taken for an attacker's block is not one once its
   * users log in), and a protected source (a success within success_memory before this one: a user mistyping,
   * then logging in) matches on names alone never, on other evidence with `protection` set: 'protected' (alerted,
   * never banned) or 'overridden' (overwhelming evidence, as for a campaign ban). Found in review: a user's own
   * `ssh admin@host` slip, and every login of a user in a campaign's /24, were alerted on and, with
   * compromise_action = ban, banned.
   */
  matchingCampaign(event: AuthEvent): CampaignMatch | null {
    const d = this.detector;
    // A tracked source passed the never-ban rules, which depend on the address alone, before its record was made
    // (CampaignDetector): asked again only of an address the detector does not know.
    const known = event.bannable ? d.sources.get(event.ip) : undefined;
    if (known === undefined && d.neverBan.reason(event.ip, event.bannable) !== null) return null;
    const source = known ?? scratchSource(event.ip, event.time);
    const ev = d.signals.evaluate(source, event.time, this.scratch);
    const before = event.time - 1;
    const guarded = d.successes.protects(event.ip, before);
    for (let i = d.book.live.length - 1; i >= 0; i--) {
      const c = d.book.live[i]!;
      const matched = this.loginMatch(c, source, d.book.match(c, source, ev), before);
      if (!d.book.joins(c, source, ev, matched)) continue;
      const names = namesOnly(matched);
      if (guarded && names) continue;
      const match = asMatch(c, maskText(matched));
      if (d.book.held.namesAlone && names) return { ...match, namesAloneHeld: true };
      if (!guarded) return match;
      const override = { signals: d.settings.overrideSignals, attempts: d.settings.overrideAttempts };
      const guard = protection(source, strength(ev, matched), before, d.successes, override);
      return { ...match, protection: guard === 'overridden' ? 'overridden' : 'protected' };
    }
    return null;
  }

  /** The match without locality when each of the source's blocks that is the campaign's had a login lately. */
  private loginMatch(c: Campaign, source: SourceState, matched: SignalMask, before: number): SignalMask {
    if ((matched & LOCALITY) === 0) return matched;
    const counts = (block: BlockKey) =>
      block !== '' && hasBlock(c, block) && !this.detector.successes.blockHasSuccess(block, before);
    const kept =
      counts(neighbourKey(source.ip)) ||
      counts(providerKey(source.ip)) ||
      counts(this.detector.asnBlocks.of(source.ip));
    return kept ? matched : matched & ~LOCALITY;
  }

  sprayingCampaign(user: string, time: number): CampaignMatch | null {
    const hash = nameHash(user);
    const live = this.detector.book.live;
    for (let i = live.length - 1; i >= 0; i--) {
      const c = live[i]!;
      if ((c.names.get(hash) ?? 0) > 0) return asMatch(c, 'dictionary');
    }
    const ended = this.detector.book.ended;
    for (let i = ended.length - 1; i >= 0; i--) {
      const c = ended[i]!;
      if (this.stillCounts(c, time) && (c.names.get(hash) ?? 0) > 0) return asMatch(c, 'dictionary');
    }
    return null;
  }

  /** The address, or any of its IPv6 /64 (privacy addresses rotate within it), as the protection from bans asks. */
  hasSuccessHistory(ip: string, time: number): boolean {
    return this.detector.successes.protects(ip, time - 1);
  }

  mayBan(ip: string): boolean {
    return this.detector.neverBan.reason(ip, isIP(ip) !== 0) === null;
  }
}
