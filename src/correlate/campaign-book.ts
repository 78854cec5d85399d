import type { Fail2banThresholds } from '../core/fail2ban-thresholds.js';
import { NO_VERDICTS, type Verdict } from '../core/verdict.js';
import type { AsnBlocks } from './asn-blocks.js';
import {
  type Campaign,
  type CampaignSnapshot,
  campaignId,
  campaignVerdict,
  learnFromMember,
  newCampaign,
  restoreCampaign,
  snapshotCampaign,
} from './campaign.js';
import { banJoins, banMatch, joins, matchCampaign, namesTie } from './campaign-match.js';
import { CampaignRoster, type RosterDeps } from './campaign-roster.js';
import {
  type Candidate,
  CandidatePool,
  isCandidate,
  ownSignals,
  type PoolSnapshot,
  strength,
} from './candidate-pool.js';
import { HeldJoins, HOLDING, MAX_HELD } from './held-joins.js';
import { type Protection, protection } from './never-ban.js';
import { type Evidence, maskText, type SignalMask, type SignalName, signalBit } from './signals/signal.js';
import type { SourceState } from './source-state.js';
import type { SuccessHistory } from './success-history.js';

export interface BookDeps extends RosterDeps {
  readonly thresholds: Fail2banThresholds;
  readonly successes: SuccessHistory;
  readonly asnBlocks?: AsnBlocks;
  source(ip: string): SourceState | undefined;
}

export interface BookSnapshot {
  readonly live: CampaignSnapshot[];
  readonly ended: CampaignSnapshot[];
  readonly pool: PoolSnapshot;
  readonly seq: number;
  /** BAN verdicts made (absent in older snapshots). */
  readonly bans?: number;
  /** Running holds: source and start (absent in older snapshots: none). */
  readonly held?: Array<[string, number]>;
}

const MAX_POOL = 10_000;
/** Members whose later evidence still teaches their campaign new signals and parameters. */
const LEARN_FROM = 1000;
const SURGE_BIT = signalBit('surge');

/**
 * The campaigns and the candidates waiting to form one. A candidate is a source showing enough signals; when enough
 * candidates share enough signals a campaign opens with those signals as its fingerprint, and from then on a source
 * matching the fingerprint joins at once (at its first attempt when the match is its dictionary or its /24). The
 * campaigns themselves, their members' bans and their ends are kept by the roster (campaign-roster.ts).
 */
export class CampaignBook {
  private readonly pool: CandidatePool;
  private seq: number;
  /** What overrides the protection of a recent success (settings). */
  private readonly override: { readonly signals: number; readonly attempts: number };
  /** Sources whose join on names alone waits for names_alone_hold (held-joins.ts). */
  readonly held: HeldJoins;
  /** The live and ended campaigns, with their members. */
  private readonly campaigns: CampaignRoster;

  constructor(
    private readonly deps: BookDeps,
    snapshot?: BookSnapshot,
  ) {
    const max = deps.settings.maxMembers;
    const live = (snapshot?.live ?? []).map((c) => restoreCampaign(c, max));
    const ended = (snapshot?.ended ?? []).map((c) => restoreCampaign(c, max));
    this.pool = new CandidatePool(MAX_POOL, snapshot?.pool);
    this.seq = snapshot?.seq ?? 0;
    this.override = { signals: deps.settings.overrideSignals, attempts: deps.settings.overrideAttempts };
    // Held sources are kept in the source table until judged: at most half of it, so a flood still has room.
    const maxHeld = Math.min(MAX_HELD, Math.floor(deps.settings.maxSources / 2));
    this.held = new HeldJoins(deps.settings.namesAloneHold, deps.settings.sharedNameHold, maxHeld, snapshot?.held);
    this.campaigns = new CampaignRoster(live, ended, snapshot?.bans ?? 0, deps, this.held);
  }

  get live(): Campaign[] {
    return this.campaigns.live;
  }

  get ended(): Campaign[] {
    return this.campaigns.ended;
  }

  /** BAN verdicts made. */
  get bans(): number {
    return this.campaigns.bans;
  }

  isCandidate(signals: ReadonlySet<SignalName> | Evidence, ip?: string): boolean {
    return isCandidate(signals, this.deps.settings, ip);
  }

  /** The live campaign `ip` is a member of. */
  memberOf(ip: string, source?: SourceState): Campaign | undefined {
    return this.campaigns.memberOf(ip, source);
  }

  /**
   * The fingerprint signals of `c` that the source matches now (campaign-match.ts), and (joins) whether that makes
   * it a member: what the alerts ask of a login, for which being in one of the campaign's blocks is enough. Bans are
   * decided by banMatch and banJoins (campaign-match.ts).
   */
  match(c: Campaign, source: SourceState, ev: Evidence): SignalMask {
    return matchCampaign(c, source, ev, this.deps.dictionary, undefined, 0, this.deps.asnBlocks?.of(source.ip));
  }

  joins(c: Campaign, source: SourceState, ev: Evidence, matched: SignalMask): boolean {
    const loose = namesTie(c, source, ev, this.deps.dictionary) !== 'tight';
    return joins(c, source, loose ? matched & ~SURGE_BIT : matched, this.deps.settings, undefined, 0, !loose);
  }

  /** Judges a source that is not a live member: join a campaign, wait as a candidate, or nothing. */
  consider(source: SourceState, ev: Evidence, now: number): readonly Verdict[] {
    const own = ownSignals(ev);
    const live = this.campaigns.live;
    for (let i = live.length - 1; i >= 0; i--) {
      const c = live[i]!;
      const matched = banMatch(c, source, ev, this.deps, now);
      const join = banJoins(c, source, ev, matched, this.deps, now);
      if (join === false) continue;
      const guard = this.guard(source, strength(ev, matched), now);
      if (guard === 'protected') return NO_VERDICTS;
      const held = this.held.holdOf(source, matched, now, join === 'held');
      if (held === HOLDING) return NO_VERDICTS;
      this.pool.delete(source.ip);
      const out = [this.campaigns.ban(c, source, maskText(matched), 'join', guard, now, held)];
      source.learned = learnFromMember(c, ev, source.learned, this.deps.settings.minMembers);
      return this.campaigns.grow(c, now, out);
    }
    if (!this.isCandidate(ev, source.ip) || this.guard(source, own, now) === 'protected') {
      this.pool.delete(source.ip);
      return NO_VERDICTS;
    }
    this.pool.delete(source.ip);
    this.pool.set(source.ip, { time: now, evidence: new Map(ev) });
    return this.tryOpen(now);
  }

  private guard(source: SourceState, signals: number, now: number): Protection {
    return protection(source, signals, now, this.deps.successes, this.override);
  }

  /** A member showed activity: the campaign is still alive, learns from it, and bans it again if its ban expired. */
  onMember(
    c: Campaign,
    source: SourceState,
    evaluate: (source: SourceState, now: number) => Evidence,
    now: number,
  ): readonly Verdict[] {
    if (now > c.lastSeen) c.lastSeen = now;
    // Past LEARN_FROM members the fingerprint is settled: no need to judge every event of every member.
    if (c.memberCount <= LEARN_FROM) {
      source.learned = learnFromMember(c, evaluate(source, now), source.learned, this.deps.settings.minMembers);
    }
    const last = source.campaign === c.id ? source.bannedAt : (c.members.get(source.ip) ?? -1);
    if (last >= 0 && now - last < this.deps.thresholds.campaignBantime) {
      source.campaign = c.id;
      source.bannedAt = last;
      return NO_VERDICTS;
    }
    // The reason is what ties the member to the campaign now, as for a join: the fingerprint's signals it shows (its
    // names and blocks among them), not the whole fingerprint, which may have learned signals it never showed (found
    // in review: a member that joined on a name and came back with one probe was banned for `rhythm+dictionary`).
    // Showing none of them (its record forgotten since), it is banned as a listed member, and the line says so.
    const ev = evaluate(source, now);
    const matched = banMatch(c, source, ev, this.deps, now);
    // A member that logged in since (or whose /64 did) is protected like any source: its own evidence must be
    // overwhelming, signals and attempts both, before it is banned again.
    let guard: Protection = 'none';
    if (this.deps.successes.protects(source.ip, now)) {
      guard = this.guard(source, strength(ev, matched), now);
      if (guard === 'protected') return NO_VERDICTS;
    }
    return [this.campaigns.ban(c, source, maskText(matched) || 'member', 'return', guard, now)];
  }

  private tryOpen(now: number): readonly Verdict[] {
    this.pool.prune(now - this.deps.settings.window);
    const min = this.deps.settings.minMembers;
    if (this.pool.size < min) return NO_VERDICTS;
    const common = this.pool.common(min);
    if (!this.isCandidate(common)) return NO_VERDICTS;
    const chosen: Array<[string, Candidate, Protection]> = [];
    for (const [ip, e] of this.pool.entries()) {
      if (!this.isCandidate(new Set([...e.evidence.keys()].filter((k) => common.has(k))), ip)) continue;
      const source = this.deps.source(ip);
      const guard = source ? this.guard(source, ownSignals(e.evidence), now) : 'none';
      // Protected since it became a candidate (a login from it or its /64 came later): consider() would drop it
      // now, so it neither counts toward a campaign nor is banned with one.
      if (guard === 'protected') this.pool.delete(ip);
      else chosen.push([ip, e, guard]);
    }
    if (chosen.length < min) return NO_VERDICTS;
    const start = Math.min(...chosen.map(([ip, e]) => this.deps.source(ip)?.first ?? e.time));
    const c = newCampaign(
      campaignId(start, this.seq + 1),
      start,
      now,
      chosen.map(([, e]) => e.evidence),
      min,
      this.deps.settings.maxMembers,
    );
    if (!this.isCandidate(new Set(c.signals))) return NO_VERDICTS;
    // Names and the surge alone open a campaign only if a name no account here has is among them: five colleagues
    // failing once each on a shared account (`helpdesk`) on a password-expiry morning share a name and the surge,
    // and opened a campaign of their own (found in review). A spray tries names that do not exist here.
    if (c.signals.every((name) => name === 'dictionary' || name === 'surge')) {
      if (!chosen.some(([ip]) => (this.deps.source(ip)?.unknown ?? 0) > 0)) return NO_VERDICTS;
    }
    this.seq++;
    const displaced = this.campaigns.add(c, now);
    const bans: Verdict[] = [];
    for (const [ip, entry, guard] of chosen) {
      this.pool.delete(ip);
      const source = this.deps.source(ip);
      if (!source) continue;
      const reason = c.signals.filter((name) => entry.evidence.has(name)).join('+');
      // With names_alone_hold, a founder whose only evidence is its names waits as a joiner's ban does: it may be
      // the colleague whose wrong try of a sprayed name came just before the campaign opened (found in review:
      // banned at the opening, 30 s before its login). Judged again when its hold runs out (CampaignDetector).
      let held: number | undefined;
      if (this.held.namesAlone) {
        held = this.held.holdOf(
          source,
          c.signals.reduce((m, name) => m | (entry.evidence.has(name) ? signalBit(name) : 0), 0),
          now,
        );
        if (held === HOLDING) continue;
      }
      bans.push(this.campaigns.ban(c, source, reason, 'open', guard, now, held));
      source.learned = learnFromMember(c, entry.evidence, source.learned, min);
    }
    // Its founders' bans all held, a campaign opens with no member yet: the first to join is no growth.
    c.announced = Math.max(c.memberCount, 1);
    const opened = campaignVerdict(c, 'open', now, this.deps.lifetimeSeconds, this.deps.countries);
    const out = [...displaced, opened, ...bans];
    // Candidates left in the pool may match the new fingerprint already (its dictionary, its block).
    for (const [ip, entry] of this.pool.entries()) {
      const source = this.deps.source(ip);
      if (source) out.push(...this.consider(source, entry.evidence, now));
    }
    return out;
  }

  /** Ends campaigns whose members have been quiet for campaign_end (campaign-roster.ts). */
  tick(now: number): readonly Verdict[] {
    return this.campaigns.tick(now);
  }

  /**
   * The earliest time at which tick() or the holds' ends would decide something a line could still change: a held
   * source's ban (a login spares it) or a campaign's end (a member's attempt keeps it going). Undefined: none.
   */
  nextDeadline(): number | undefined {
    const hold = this.held.nextEnd();
    const end = this.campaigns.nextEnd();
    if (hold === undefined) return end;
    return end === undefined ? hold : Math.min(hold, end);
  }

  /** A login from `ip`: it is no candidate, and a hold of its ban ends (it is protected now). */
  forget(ip: string): void {
    this.pool.delete(ip);
    this.held.release(ip);
  }

  get waiting(): number {
    return this.pool.size;
  }

  snapshot(): BookSnapshot {
    return {
      live: this.campaigns.live.map(snapshotCampaign),
      ended: this.campaigns.ended.map(snapshotCampaign),
      pool: this.pool.snapshot(),
      seq: this.seq,
      bans: this.campaigns.bans,
      held: this.held.snapshot(),
    };
  }
}
