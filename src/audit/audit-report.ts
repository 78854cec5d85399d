import { isIPv6 } from 'node:net';
import { formatIPv6, ipv6Groups } from '../parse/address.js';
import type { BanOutcome } from './fail2ban-history.js';
import type { Fail2banEvent } from './fail2ban-log.js';
import type { VerdictRecord } from './verdict-records.js';

/** One BAN verdict for a member and what fail2ban did with it. */
export interface MemberVerdict {
  readonly time: number;
  readonly reason: string;
  readonly outcome: BanOutcome;
  /** Known from its `repeat=rotation` copy alone: its own line is in no file the audit read (part-context.ts). */
  readonly fromCopy?: true;
}

export interface MemberReport {
  readonly ip: string;
  readonly verdicts: MemberVerdict[];
  /** fail2ban's Ban/Unban of this address in the campaign jail: [ban time, unban time or null]. */
  readonly banPeriods: Array<[number, number | null]>;
  /** Attempt times from the sshd log, when the audit read one (`--auth-log`); empty otherwise. */
  readonly attempts: number[];
}

export interface CampaignEvent {
  readonly time: number;
  readonly event: string;
  readonly members: number | null;
  readonly signals: string[];
}

export interface CampaignReport {
  readonly id: string;
  /** First time the campaign shows: its CAMPAIGN open line's `start=` if given, else its first verdict. */
  start: number;
  lastSeen: number;
  /** Time of its `event=end` line, or null while it was still open at the end of the log. */
  end: number | null;
  /** Largest member count it reported, or the distinct members banned if larger. */
  memberCount: number;
  readonly signals: Set<string>;
  readonly events: CampaignEvent[];
  readonly members: Map<string, MemberReport>;
  /** Usernames tried (from BAN lines' user= fields and the sshd log when read), with counts. */
  readonly users: Map<string, number>;
  alerts: number;
}

/** Everything `audit` answers, before rendering. */
export interface AuditReport {
  readonly generated: number;
  readonly filters: { since?: number; until?: number; campaign?: string; ip?: string };
  readonly sources: {
    verdictFiles: string[];
    fail2banFiles: string[];
    /** The journalctl command line fail2ban's history was read with, or null when it came from files. */
    fail2banJournal: string | null;
    authFiles: string[];
    verdictLines: number;
    /** Lines that are no verdict, nor part of one. */
    malformedLines: number;
    /**
     * Parts of lines a full disk tore (torn-parts.ts): no verdicts of their own; the whole line written after stands
     * for one, or, with none, the part where fail2ban banned from it.
     */
    tornLines: number;
    /**
     * Of those, the parts that stand for their verdict: fail2ban banned from the part, and no whole line of it followed.
     * With --ip, of the address alone: fail2ban's log is read for it only, and so is a line that reads whole found
     * torn by fail2ban's answer (tornLines holds the others' parts known by their text).
     */
    tornVerdicts: number;
    /** Whole `repeat=rotation` copies standing for their verdict: their line is in no file read before them. */
    copyVerdicts: number;
    /** Every fail2ban event of the log, of any address (with --ip too). */
    fail2banEvents: number;
  };
  readonly jail: string;
  readonly fail2banUptime: Array<[number, number]>;
  readonly campaigns: CampaignReport[];
  readonly alerts: VerdictRecord[];
  /**
   * fail2ban Bans in the jail that no BAN verdict explains, from the first verdict read on (within --since/--until;
   * none with --campaign, since such a ban belongs to no campaign).
   */
  readonly unexplainedBans: Fail2banEvent[];
  /** With --ip: every verdict naming the address and every fail2ban event about it. */
  readonly explain: { ip: string; verdicts: VerdictRecord[]; fail2ban: Fail2banEvent[] } | null;
}

/** The /24 (IPv4) or /64 (IPv6) an address belongs to, as the report groups members (RFC 5952 text, as in ignoreip). */
export function prefixOf(ip: string): string {
  if (ip.includes(':')) {
    if (!isIPv6(ip)) return ip;
    const groups = ipv6Groups(ip);
    return `${formatIPv6([...groups.slice(0, 4), 0, 0, 0, 0])}/64`;
  }
  const parts = ip.split('.');
  return parts.length === 4 ? `${parts.slice(0, 3).join('.')}.0/24` : ip;
}

/** Members grouped by prefix, largest groups first. */
export function prefixCounts(campaign: CampaignReport): Array<{ prefix: string; members: number }> {
  const counts = new Map<string, number>();
  for (const ip of campaign.members.keys()) {
    const prefix = prefixOf(ip);
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
  }
  return [...counts]
    .map(([prefix, members]) => ({ prefix, members }))
    .sort((x, y) => y.members - x.members || x.prefix.localeCompare(y.prefix));
}

/** The most tried usernames, most first. */
export function topUsers(campaign: CampaignReport, limit = 10): Array<{ user: string; count: number }> {
  return [...campaign.users]
    .map(([user, count]) => ({ user, count }))
    .sort((x, y) => y.count - x.count || x.user.localeCompare(y.user))
    .slice(0, limit);
}

/** A member's overall state: every verdict answered by a ban, none, or some. */
export function memberStatus(member: MemberReport): 'banned' | 'not-banned' | 'partly' {
  const ok = member.verdicts.filter((v) => v.outcome.status !== 'not-banned').length;
  return ok === member.verdicts.length ? 'banned' : ok === 0 ? 'not-banned' : 'partly';
}
