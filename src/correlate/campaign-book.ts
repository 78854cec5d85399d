import type { Fail2banThresholds } from '../core/fail2ban-thresholds.js';
import { banVerdict, NO_VERDICTS, type Verdict, type VerdictValue } from '../core/verdict.js';
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
import { banJoins, banMatch, joins, matchCampaign, namesOnly } from './campaign-match.js';
import type { CampaignSettings } from './campaign-settings.js';
import {
  type Candidate,
  CandidatePool,
  isCandidate,
  ownSignals,
  type PoolSnapshot,
  strength,
} from './candidate-pool.js';
import { HeldJoins } from './held-joins.js';
import { MemberLimit } from './member-limit.js';
import { type Protection, protection } from './never-ban.js';
import type { DictionarySignal } from './signals/dictionary.js';
import { type Evidence, maskText, type SignalMask, type SignalName } from './signals/signal.js';
import type { SourceState } from './source-state.js';
import type { SuccessHistory } from './success-history.js';

export interface BookDeps {
  readonly settings: CampaignSettings;
  readonly thresholds: Fail2banThresholds;
  readonly dictionary: DictionarySignal;
  readonly successes: SuccessHistory;
  source(ip: string): SourceState | undefined;
  lifetimeSeconds(bucket: number): number;
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
const MAX_NAMES = 4096;
const KEEP_ENDED = 16;
/** Members whose later evidence still teaches their campaign new signals and parameters. */
const LEARN_FROM = 1000;
/** Holds running at most (held-joins.ts); beyond, sources are banned at once. */
const MAX_HELD = 10_000;
/**
 * A held source trying more than this is banned at once: ssh asks for a password three times per connection
 * (NumberOfPasswordPrompts), so a person's one mistaken connection stays within it.
 */
const HOLD_ATTEMPTS = 3;

/**
 * The campaigns and the candidates waiting to form one. A candidate is a source showing enough signals; when enough
 * candidates share enough signals a campaign opens with those signals as its fingerprint, and from then on a source
 * matching the fingerprint joins at once (at its first attempt when the match is its dictionary or its /24).
 */
/** holdOf's answer while a source's ban is held. */
const HOLDING = -1;

export class CampaignBook {
  readonly live: Campaign[];
  readonly ended: Campaign[];
  private readonly pool: CandidatePool;
  private seq: number;
  /** What overrides the protection of a recent success (settings). */
  private readonly override: { readonly signals: number; readonly attempts: number };
  /** Members remembered by all campaigns, live and ended, kept within max_members. */
  private readonly members: MemberLimit;
  /** Sources whose join on names alone waits for names_alone_hold (held-joins.ts). */
  readonly held: HeldJoins;
  bans = 0;

  constructor(
    private readonly deps: BookDeps,
    snapshot?: BookSnapshot,
  ) {
    const max = deps.settings.maxMembers;
    this.live = (snapshot?.live ?? []).map((c) => restoreCampaign(c, max));
    this.ended = (snapshot?.ended ?? []).map((c) => restoreCampaign(c, max));
    this.pool = new CandidatePool(MAX_POOL, snapshot?.pool);
    this.seq = snapshot?.seq ?? 0;
    this.bans = snapshot?.bans ?? 0;
    this.override = { signals: deps.settings.overrideSignals, attempts: deps.settings.overrideAttempts };
    this.members = new MemberLimit(deps.settings.maxMembers, this.live, this.ended);
    this.held = new HeldJoins(deps.settings.namesAloneHold, MAX_HELD, snapshot?.held);
  }

  isCandidate(signals: ReadonlySet<SignalName> | Evidence, ip?: string): boolean {
    return isCandidate(signals, this.deps.settings, ip);
  }

  /** The live campaign `ip` is a member of. */
  memberOf(ip: string, source?: SourceState): Campaign | undefined {
    // Loops, not find(): this runs for every event of a tracked source, and a callback would be an object each time.
    const live = this.live;
    if (source?.campaign) {
      for (let i = 0; i < live.length; i++) if (live[i]!.id === source.campaign) return live[i];
    } else if (source?.notMember) return undefined;
    let c: Campaign | undefined;
    for (let i = 0; i < live.length && c === undefined; i++) if (live[i]!.members.has(ip)) c = live[i];
    // Only ban() adds a member, and it sets the source's campaign: until then the answer stays no.
    if (source !== undefined && c === undefined && source.campaign === '') source.notMember = true;
    return c;
  }

  /**
   * The fingerprint signals of `c` that the source matches now (campaign-match.ts), and (joins) whether that makes
   * it a member: what the alerts ask of a login, for which being in one of the campaign's blocks is enough. Bans are
   * decided by banMatch and banJoins (campaign-match.ts).
   */
  match(c: Campaign, source: SourceState, ev: Evidence): SignalMask {
    return matchCampaign(c, source, ev, this.deps.dictionary);
  }

  joins(c: Campaign, source: SourceState, matched: SignalMask): boolean {
    return joins(c, source, matched, this.deps.settings);
  }

  /** Judges a source that is not a live member: join a campaign, wait as a candidate, or nothing. */
  consider(source: SourceState, ev: Evidence, now: number): readonly Verdict[] {
    const own = ownSignals(ev);
    for (let i = this.live.length - 1; i >= 0; i--) {
      const c = this.live[i]!;
      const matched = banMatch(c, source, ev, this.deps, now);
      if (!banJoins(c, source, ev, matched, this.deps, now)) continue;
      const guard = this.guard(source, strength(ev, matched), now);
      if (guard === 'protected') return NO_VERDICTS;
      const held = this.holdOf(source, matched, now);
      if (held === HOLDING) return NO_VERDICTS;
      this.pool.delete(source.ip);
      const out = [this.ban(c, source, maskText(matched), 'join', guard, now, held)];
      source.learned = learnFromMember(c, ev, source.learned, this.deps.settings.minMembers);
      return this.grow(c, now, out);
    }
    if (!this.isCandidate(ev, source.ip) || this.guard(source, own, now) === 'protected') {
      this.pool.delete(source.ip);
      return NO_VERDICTS;
    }
    this.pool.delete(source.ip);
    this.pool.set(source.ip, { time: now, evidence: new Map(ev) });
    return this.tryOpen(now);
  }

  /**
   * Whether a source about to join is held (HOLDING), or how long it was held before this ban (ms), or undefined
   * when no hold is involved. Only a join on names alone (campaign-match.ts, namesOnly) is held, and only while the
   * source has tried at most HOLD_ATTEMPTS times: more evidence of its own, or more tries, bans it at once.
   */
  private holdOf(source: SourceState, matched: SignalMask, now: number): number | undefined {
    const started = this.held.startedAt(source.ip);
    const holdable = namesOnly(matched) && source.attempts <= HOLD_ATTEMPTS;
    if (started === undefined) return holdable && this.held.start(source.ip, now) ? HOLDING : undefined;
    return holdable && now - started < this.held.hold ? HOLDING : now - started;
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
    // A member that logged in since (or whose /64 did) is protected like any source: its own evidence must be
    // overwhelming, signals and attempts both, before it is banned again.
    let guard: Protection = 'none';
    if (this.deps.successes.protects(source.ip, now)) {
      const ev = evaluate(source, now);
      guard = this.guard(source, strength(ev, banMatch(c, source, ev, this.deps, now)), now);
      if (guard === 'protected') return NO_VERDICTS;
    }
    return [this.ban(c, source, c.signals.join('+'), 'return', guard, now)];
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
    this.seq++;
    // A loop: a state saved under a higher max_campaigns may hold more.
    const displaced: Verdict[] = [];
    while (this.live.length >= this.deps.settings.maxCampaigns) displaced.push(this.endQuietest(now));
    this.live.push(c);
    const bans: Verdict[] = [];
    for (const [ip, entry, guard] of chosen) {
      this.pool.delete(ip);
      const source = this.deps.source(ip);
      if (!source) continue;
      const reason = c.signals.filter((name) => entry.evidence.has(name)).join('+');
      bans.push(this.ban(c, source, reason, 'open', guard, now));
      source.learned = learnFromMember(c, entry.evidence, source.learned, min);
    }
    c.announced = c.memberCount;
    const opened = campaignVerdict(c, 'open', now, this.deps.lifetimeSeconds);
    const out = [...displaced, opened, ...bans];
    // Candidates left in the pool may match the new fingerprint already (its dictionary, its block).
    for (const [ip, entry] of this.pool.entries()) {
      const source = this.deps.source(ip);
      if (source) out.push(...this.consider(source, entry.evidence, now));
    }
    return out;
  }

  private ban(
    c: Campaign,
    source: SourceState,
    reason: string,
    match: string,
    guard: Protection,
    now: number,
    held?: number,
  ): Verdict {
    // notMember: no live campaign lists the source (judge just asked), so the list need not be asked again.
    const listed = source.campaign === c.id || (!source.notMember && c.members.has(source.ip));
    if (!listed) {
      c.memberCount++;
      for (let i = 0; i < source.nameCount; i++) {
        const hash = source.nameAt(i);
        if (this.deps.dictionary.isLegit(hash)) continue;
        if (c.names.has(hash) || c.names.size < MAX_NAMES) c.names.set(hash, (c.names.get(hash) ?? 0) + 1);
      }
    }
    if (source.campaign !== c.id) source.learned = 0;
    source.campaign = c.id;
    source.notMember = false;
    source.bannedAt = now;
    this.held.release(source.ip);
    this.members.remember(c, source.ip, now);
    if (now > c.lastSeen) c.lastSeen = now;
    this.bans++;
    const extra: Array<[string, VerdictValue]> = [
      ['match', match],
      ['attempts', source.attempts],
      ['probes', source.probes],
    ];
    if (guard === 'overridden') extra.push(['protection', 'overridden']);
    if (held !== undefined) extra.push(['held', Math.round(held / 1000)]);
    return banVerdict(now, source.ip, c.id, reason || 'fingerprint', extra);
  }

  private grow(c: Campaign, now: number, out: Verdict[]): Verdict[] {
    if (c.memberCount >= c.announced * this.deps.settings.growFactor) {
      c.announced = c.memberCount;
      out.push(campaignVerdict(c, 'grow', now, this.deps.lifetimeSeconds));
    }
    return out;
  }

  /** Ends campaigns whose members have been quiet for campaign_end. */
  tick(now: number): readonly Verdict[] {
    let out: Verdict[] | undefined;
    for (let i = 0; i < this.live.length; ) {
      const c = this.live[i]!;
      if (now - c.lastSeen <= this.deps.settings.end) {
        i++;
        continue;
      }
      out ??= [];
      out.push(this.end(i, now));
    }
    return out ?? NO_VERDICTS;
  }

  /**
   * Ends the live campaign seen least recently, to make room for a new one: an attacker arranging many small
   * campaigns would otherwise make every judged event look into each of them. Its members keep their bans; their
   * sources are judged afresh from then on (and may join the new campaign or a later one).
   */
  private endQuietest(now: number): Verdict {
    let quietest = 0;
    for (let i = 1; i < this.live.length; i++) if (this.live[i]!.lastSeen < this.live[quietest]!.lastSeen) quietest = i;
    return this.end(quietest, now, 'capacity');
  }

  private end(i: number, now: number, why?: 'capacity'): Verdict {
    const c = this.live[i]!;
    c.ended = now;
    this.live.splice(i, 1);
    this.ended.push(c);
    if (this.ended.length > KEEP_ENDED) this.members.discard(this.ended.shift()!);
    const verdict = campaignVerdict(c, 'end', now, this.deps.lifetimeSeconds);
    return why === undefined ? verdict : { ...verdict, fields: [...verdict.fields, ['why', why]] };
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
      live: this.live.map(snapshotCampaign),
      ended: this.ended.map(snapshotCampaign),
      pool: this.pool.snapshot(),
      seq: this.seq,
      bans: this.bans,
      held: this.held.snapshot(),
    };
  }
}
