import type { AuthEvent } from '../core/auth-event.js';
import type { Verdict } from '../core/verdict.js';
import type { Truth } from './session.js';

/** How a detector did on one scenario, measured against its truth. */
export interface ScenarioScore {
  readonly scenario: string;
  readonly members: number;
  readonly banned: number;
  /** banned / members (1 when there are no members). */
  readonly recall: number;
  readonly benign: number;
  readonly benignBanned: string[];
  readonly scanners: number;
  readonly scannersBanned: number;
  readonly campaigns: number;
  /** From the campaign's first event to its CAMPAIGN open line (ms), or null. */
  readonly recognisedAfter: number | null;
  /** From the campaign's first event to its first BAN (ms), or null. */
  readonly firstBanAfter: number | null;
  /** Failed attempts members made up to and including the one that got them banned (all, if never banned). */
  readonly attemptsLetThrough: number;
  readonly attemptsTotal: number;
  /** Members whose first attempt came after the campaign was opened, and how many were banned at that attempt. */
  readonly laterMembers: number;
  readonly laterAtFirstAttempt: number;
  /**
   * Later members that made a second attempt, and how many of them were banned before it: what the firewall
   * stopped, whether the ban came at the first attempt or a little after it (names_alone_hold).
   */
  readonly laterWithSecond: number;
  readonly laterBeforeSecond: number;
  /** Recognised before the first password attempt (reconnaissance scenarios), null when not applicable. */
  readonly beforePasswords: boolean | null;
}

interface Seen {
  first: number;
  firstAttempt: number;
  attempts: Array<[number, number]>;
}

/** Per-address record of what the detector was shown: feed it every event the core gets. */
export class EventLedger {
  readonly byIp = new Map<string, Seen>();

  record(e: AuthEvent): void {
    if (e.kind !== 'failure' && e.kind !== 'probe') return;
    let seen = this.byIp.get(e.ip);
    if (!seen) {
      seen = { first: e.time, firstAttempt: Number.POSITIVE_INFINITY, attempts: [] };
      this.byIp.set(e.ip, seen);
    }
    if (e.kind === 'failure' && e.count > 0) {
      seen.attempts.push([e.time, e.count]);
      if (e.time < seen.firstAttempt) seen.firstAttempt = e.time;
    }
  }
}

export function scoreScenario(truth: Truth, ledger: EventLedger, verdicts: readonly Verdict[]): ScenarioScore {
  const firstBan = new Map<string, number>();
  let opened: number | null = null;
  let campaigns = 0;
  for (const v of verdicts) {
    const field = (k: string) => v.fields.find(([key]) => key === k)?.[1];
    if (v.verb === 'BAN') {
      const ip = String(field('ip'));
      if (!firstBan.has(ip)) firstBan.set(ip, v.time);
    } else if (v.verb === 'CAMPAIGN' && field('event') === 'open') {
      campaigns++;
      if (opened === null) opened = v.time;
    }
  }
  const members = truth.members.filter((ip) => ledger.byIp.has(ip));
  const attackStart = Math.min(...members.map((ip) => ledger.byIp.get(ip)!.first));
  let banned = 0;
  let letThrough = 0;
  let total = 0;
  let later = 0;
  let laterFirst = 0;
  let laterSecond = 0;
  let laterBeforeSecond = 0;
  let firstBanTime = Number.POSITIVE_INFINITY;
  for (const ip of members) {
    const seen = ledger.byIp.get(ip)!;
    const ban = firstBan.get(ip);
    if (ban !== undefined) {
      banned++;
      firstBanTime = Math.min(firstBanTime, ban);
    }
    for (const [t, n] of seen.attempts) {
      total += n;
      if (ban === undefined || t <= ban) letThrough += n;
    }
    if (opened !== null && seen.first > opened && Number.isFinite(seen.firstAttempt)) {
      later++;
      if (ban !== undefined && ban <= seen.firstAttempt) laterFirst++;
      const second = secondAttempt(seen.attempts);
      if (second !== undefined) {
        laterSecond++;
        // As attempts are let through: one made at or before the ban's time got in.
        if (ban !== undefined && ban < second) laterBeforeSecond++;
      }
    }
  }
  return {
    scenario: truth.scenario,
    members: members.length,
    banned,
    recall: members.length === 0 ? 1 : banned / members.length,
    benign: truth.benign.length,
    benignBanned: truth.benign.filter((ip) => firstBan.has(ip)),
    scanners: truth.scanners.length,
    scannersBanned: truth.scanners.filter((ip) => firstBan.has(ip)).length,
    campaigns,
    recognisedAfter: opened === null || members.length === 0 ? null : opened - attackStart,
    firstBanAfter: Number.isFinite(firstBanTime) ? firstBanTime - attackStart : null,
    attemptsLetThrough: letThrough,
    attemptsTotal: total,
    laterMembers: later,
    laterAtFirstAttempt: laterFirst,
    laterWithSecond: laterSecond,
    laterBeforeSecond,
    beforePasswords:
      truth.passwordPhase === null || truth.scenario !== 'recon'
        ? null
        : opened !== null && opened < truth.passwordPhase,
  };
}

/** When a source's second attempt was made (its first line may count two), or undefined if it made one. */
function secondAttempt(attempts: ReadonlyArray<readonly [number, number]>): number | undefined {
  const sorted = [...attempts].sort((a, b) => a[0] - b[0]);
  if (sorted.length === 0) return undefined;
  if (sorted[0]![1] >= 2) return sorted[0]![0];
  return sorted[1]?.[0];
}

const minutes = (ms: number | null): string => (ms === null ? '-' : `${(ms / 60_000).toFixed(1)} min`);

/** The results table printed by the scenario test and copied into the README. */
export function scoreTable(scores: readonly ScenarioScore[]): string {
  const rows = [
    '| scenario | members | banned (recall) | recognised after | first ban after | attempts let through | later members banned at 1st attempt | later members stopped before a 2nd | benign banned | lone scanners banned | campaigns |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of scores) {
    const recall = s.members === 0 ? '-' : `${s.banned} (${(s.recall * 100).toFixed(1)}%)`;
    const later = s.laterMembers === 0 ? '-' : `${s.laterAtFirstAttempt}/${s.laterMembers}`;
    const second = s.laterWithSecond === 0 ? '-' : `${s.laterBeforeSecond}/${s.laterWithSecond}`;
    const through = s.members === 0 ? '-' : `${s.attemptsLetThrough} of ${s.attemptsTotal}`;
    const scanners = s.scanners === 0 ? '-' : `${s.scannersBanned}/${s.scanners}`;
    rows.push(
      `| ${s.scenario} | ${s.members} | ${recall} | ${minutes(s.recognisedAfter)}${s.beforePasswords === true ? ' (before passwords)' : ''} | ${minutes(s.firstBanAfter)} | ${through} | ${later} | ${second} | ${s.benignBanned.length}/${s.benign} | ${scanners} | ${s.campaigns} |`,
    );
  }
  return rows.join('\n');
}
