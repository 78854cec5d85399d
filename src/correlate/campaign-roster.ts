/**
 * The campaigns once they exist: the live ones and the last ended, with the members banned into them. Here a
 * member's ban is recorded (its campaign's member list and names, the BAN line), a campaign's growth is announced,
 * and a campaign ends when its members have gone quiet or room is needed for a new one. Apart from the book
 * (campaign-book.ts), which judges sources: whether one joins a campaign, is held, waits as a candidate, or opens a
 * campaign with others.
 */
import { banVerdict, NO_VERDICTS, type Verdict, type VerdictValue } from '../core/verdict.js';
import { type Campaign, campaignVerdict } from './campaign.js';
import type { CampaignSettings } from './campaign-settings.js';
import type { Countries } from './countries.js';
import type { HeldJoins } from './held-joins.js';
import { MemberLimit } from './member-limit.js';
import type { Protection } from './never-ban.js';
import type { DictionarySignal } from './signals/dictionary.js';
import type { SourceState } from './source-state.js';

/** What the roster needs of the detector (a part of the book's dependencies). */
export interface RosterDeps {
  readonly settings: CampaignSettings;
  readonly dictionary: DictionarySignal;
  lifetimeSeconds(bucket: number): number;
  /** The members' countries, for CAMPAIGN lines (a country_database); absent or disabled: none. */
  readonly countries?: Countries;
}

const MAX_NAMES = 4096;
const KEEP_ENDED = 16;

export class CampaignRoster {
  /** Members remembered by all campaigns, live and ended, kept within max_members. */
  private readonly members: MemberLimit;

  constructor(
    readonly live: Campaign[],
    readonly ended: Campaign[],
    /** BAN verdicts made. */
    public bans: number,
    private readonly deps: RosterDeps,
    /** The book's holds (held-joins.ts): a ban ends the hold of its source. */
    private readonly held: HeldJoins,
  ) {
    this.members = new MemberLimit(deps.settings.maxMembers, live, ended);
    // A campaign of an older snapshot, or of one taken before the country_database was configured, has no countries
    // of its own: those of the members it remembers, at least.
    const countries = deps.countries;
    if (countries?.enabled) {
      for (const c of [...live, ...ended]) for (const [ip] of c.members.entries()) countries.note(c.countries, ip);
    }
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

  /** A campaign just opened joins the live ones; the END lines of those ended to make room for it. */
  add(c: Campaign, now: number): Verdict[] {
    // A loop: a state saved under a higher max_campaigns may hold more.
    const displaced: Verdict[] = [];
    while (this.live.length >= this.deps.settings.maxCampaigns) displaced.push(this.endQuietest(now));
    this.live.push(c);
    return displaced;
  }

  /** Bans `source` as a member of `c` (held: how long the ban was held, ms): the books, then its BAN line. */
  ban(
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
      this.deps.countries?.note(c.countries, source.ip);
      for (let i = 0; i < source.nameCount; i++) {
        const hash = source.nameAt(i);
        if (this.deps.dictionary.isLegit(hash)) continue;
        const tried = c.names.get(hash);
        if (tried !== undefined || c.names.size < MAX_NAMES) c.names.set(hash, (tried ?? 0) + 1);
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

  /** A CAMPAIGN grow line when `c` has grown by grow_factor since its last announced size. */
  grow(c: Campaign, now: number, out: Verdict[]): Verdict[] {
    if (c.memberCount >= c.announced * this.deps.settings.growFactor) {
      c.announced = c.memberCount;
      out.push(campaignVerdict(c, 'grow', now, this.deps.lifetimeSeconds, this.deps.countries));
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

  /** When tick() would end the first of the live campaigns if none of its members were seen again; undefined: none. */
  nextEnd(): number | undefined {
    let first: number | undefined;
    for (const c of this.live) {
      const end = c.lastSeen + this.deps.settings.end;
      if (first === undefined || end < first) first = end;
    }
    return first;
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
    const verdict = campaignVerdict(c, 'end', now, this.deps.lifetimeSeconds, this.deps.countries);
    return why === undefined ? verdict : { ...verdict, fields: [...verdict.fields, ['why', why]] };
  }
}
