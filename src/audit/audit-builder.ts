import type { AuditReport, CampaignReport, MemberReport } from './audit-report.js';
import type { Fail2banHistory } from './fail2ban-history.js';
import { RecentParts, sameVerdict, type TakenBan } from './torn-parts.js';
import { addressesOf, campaignOf, splitSignals, type VerdictRecord } from './verdict-records.js';

export interface AuditFilters {
  readonly since?: number;
  readonly until?: number;
  readonly campaign?: string;
  readonly ip?: string;
}

/**
 * Folds verdict records, in log order, into the report: campaigns with their members, each BAN reconciled with
 * fail2ban's log as it comes (so each fail2ban Ban answers the earliest verdict it can), and the alerts.
 */
export class AuditBuilder {
  private readonly campaigns = new Map<string, CampaignReport>();
  private readonly alerts: VerdictRecord[] = [];
  private readonly explained: VerdictRecord[] = [];
  /** Reasons repeat across thousands of BANs: keep one copy of each (and not the line it was cut from). */
  private readonly reasons = new Map<string, string>();
  /** The earliest verdict line read: before it the verdict log says nothing, so a Ban there is not unexplained. */
  private firstVerdict = Number.POSITIVE_INFINITY;
  private readonly parts = new RecentParts();
  /** BAN lines that looked whole (every key, a newline), found to be parts of a torn line when their whole came. */
  partsFound = 0;
  /** Parts that stand for their verdict: fail2ban banned from them, and no whole line of theirs took their place. */
  tornVerdicts = 0;

  constructor(
    private readonly history: Fail2banHistory,
    private readonly filters: AuditFilters,
  ) {}

  /**
   * `torn`: the record is read from the part of a line a full disk tore (torn-parts.ts), counted as such already;
   * `fromCopy`: a `repeat=rotation` copy whose line was not read, which stands for its verdict (part-context.ts).
   */
  add(record: VerdictRecord, torn = false, fromCopy = false): void {
    this.firstVerdict = Math.min(this.firstVerdict, record.time);
    // Reconcile every BAN, even filtered-out ones, so the pairing of verdicts and bans does not depend on filters.
    const ip = record.fields['ip'];
    // With --ip only that address is reconciled: each address's bans pair with its own fail2ban lines only.
    const asked = this.filters.ip === undefined || ip === this.filters.ip;
    // A BAN written again after a rotation (`repeat=rotation`) is the same verdict: the first line answers for it.
    const repeat = record.fields['repeat'] !== undefined && !fromCopy;
    const ban = record.verb === 'BAN' && ip !== undefined && !repeat;
    const own = ban && asked ? this.history.outcome(ip, record.time) : null;
    // The whole line of a part read before: one verdict, which fail2ban answered when it read the part, if it did.
    const earlier = ban ? this.parts.partFor(record) : null;
    const part = earlier !== null && sameVerdict(earlier, own) ? earlier : null;
    if (part !== null) {
      this.parts.completed(part);
      if (!part.torn) this.partsFound++;
      else if (part.outcome?.status === 'banned') this.tornVerdicts--;
    }
    const answered = part?.outcome?.status === 'banned' ? part.entry : null;
    const outcome = answered?.outcome ?? own;
    if (torn && ban && outcome?.status === 'banned') this.tornVerdicts++;
    const f = this.filters;
    const id = campaignOf(record);
    const before = f.since !== undefined && record.time < f.since;
    if (before || (f.until !== undefined && record.time > f.until) || (f.campaign !== undefined && id !== f.campaign)) {
      // Kept to know its whole line by, so that what is torn is counted the same whatever the filters.
      if (ban) this.parts.taken({ record, outcome, entry: null, members: null, torn });
      return;
    }
    // Kept, the whole line takes its part's place; filtered out (--until between the two), the part stands for it.
    if (part !== null) this.dropPart(part);
    // A part stands for its verdict only where fail2ban banned from it (that Ban must be explained); otherwise it is
    // kept to know its whole line by, and is none (found in review: the cut last line of a log was "never banned").
    if (torn && outcome?.status !== 'banned') {
      if (ban) this.parts.taken({ record, outcome, entry: null, members: null, torn });
      return;
    }
    if (f.ip !== undefined && addressesOf(record).includes(f.ip)) this.explained.push(record);
    if (record.verb === 'ALERT') {
      this.alerts.push(record);
      if (id !== undefined) this.campaign(id, record.time).alerts++;
      return;
    }
    if (id === undefined) return;
    const campaign = this.campaign(id, record.time);
    if (record.verb === 'CAMPAIGN') {
      const members = record.fields['members'] === undefined ? null : Number(record.fields['members']);
      const signals = splitSignals(record.fields['signals']);
      const event = record.fields['event'] ?? 'unknown';
      campaign.events.push({ time: record.time, event, members, signals });
      for (const s of signals) campaign.signals.add(s);
      if (members !== null && Number.isFinite(members)) campaign.memberCount = Math.max(campaign.memberCount, members);
      const start = record.fields['start'] === undefined ? Number.NaN : Date.parse(record.fields['start']);
      if (event === 'open' && Number.isFinite(start)) campaign.start = Math.min(campaign.start, start);
      if (event === 'end') campaign.end = record.time;
      return;
    }
    if (ip === undefined || outcome === null) return;
    let member = campaign.members.get(ip);
    if (!member) {
      member = { ip, verdicts: [], banPeriods: [], attempts: [] };
      campaign.members.set(ip, member);
    }
    // Answered at the part, the verdict is shown from when its part was written (its delay is counted from then).
    const time = answered?.time ?? record.time;
    const entry = { time, reason: this.intern(record.fields['reason'] ?? ''), outcome, ...(fromCopy && { fromCopy }) };
    member.verdicts.push(entry);
    this.parts.taken({ record, outcome, entry, members: member.verdicts, torn });
    const user = record.fields['user'];
    if (user !== undefined) campaign.users.set(user, (campaign.users.get(user) ?? 0) + 1);
    if (campaign.events.length === 0) for (const s of splitSignals(record.fields['reason'])) campaign.signals.add(s);
  }

  /** A part whose whole line came: no verdict of its own (the whole line stands for it). */
  private dropPart(part: TakenBan): void {
    const entry = part.entry === null ? -1 : (part.members?.indexOf(part.entry) ?? -1);
    if (entry >= 0) part.members!.splice(entry, 1);
    const at = this.explained.indexOf(part.record);
    if (at >= 0) this.explained.splice(at, 1);
  }

  /** Campaign members by address, for the pass over the sshd log that adds attempts. */
  membersByIp(): Map<string, Array<{ campaign: CampaignReport; member: MemberReport }>> {
    const out = new Map<string, Array<{ campaign: CampaignReport; member: MemberReport }>>();
    for (const campaign of this.campaigns.values()) {
      for (const member of campaign.members.values()) {
        let list = out.get(member.ip);
        if (!list) {
          list = [];
          out.set(member.ip, list);
        }
        list.push({ campaign, member });
      }
    }
    return out;
  }

  finish(sources: AuditReport['sources'], generated: number): AuditReport {
    const jail = this.history.jail;
    let campaigns = [...this.campaigns.values()];
    const ip = this.filters.ip;
    if (ip !== undefined)
      campaigns = campaigns.filter((c) => c.members.has(ip) || this.explained.some((r) => campaignOf(r) === c.id));
    for (const campaign of campaigns) {
      campaign.memberCount = Math.max(campaign.memberCount, campaign.members.size);
      for (const member of campaign.members.values()) {
        for (const e of this.history.eventsFor(member.ip)) {
          if (e.jail !== jail) continue;
          if (e.type === 'ban' || e.type === 'restore-ban') member.banPeriods.push([e.time, null]);
          const open = member.banPeriods.at(-1);
          if (e.type === 'unban' && open && open[1] === null) open[1] = e.time;
        }
      }
    }
    campaigns.sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
    return {
      generated,
      filters: { ...this.filters },
      sources,
      jail,
      fail2banUptime: this.history.uptime,
      campaigns,
      alerts: ip === undefined ? this.alerts : this.alerts.filter((a) => addressesOf(a).includes(ip)),
      unexplainedBans:
        this.filters.campaign !== undefined
          ? []
          : this.history.unanswered(Math.max(this.firstVerdict, this.filters.since ?? 0), this.filters.until),
      explain: ip === undefined ? null : { ip, verdicts: this.explained, fail2ban: [...this.history.eventsFor(ip)] },
    };
  }

  private intern(reason: string): string {
    let known = this.reasons.get(reason);
    if (known === undefined) {
      // A fresh copy: a regex capture may be a slice that keeps its whole line alive.
      known = Buffer.from(reason, 'utf8').toString('utf8');
      if (this.reasons.size < 10_000) this.reasons.set(reason, reason);
    }
    return known;
  }

  private campaign(id: string, time: number): CampaignReport {
    let campaign = this.campaigns.get(id);
    if (!campaign) {
      campaign = {
        id,
        start: time,
        lastSeen: time,
        end: null,
        memberCount: 0,
        signals: new Set(),
        events: [],
        members: new Map(),
        users: new Map(),
        alerts: 0,
      };
      this.campaigns.set(id, campaign);
    }
    campaign.lastSeen = Math.max(campaign.lastSeen, time);
    return campaign;
  }
}
