import { escapeValue } from '../verdict/verdict-line.js';
import {
  type AuditReport,
  type CampaignReport,
  type MemberVerdict,
  memberStatus,
  prefixCounts,
  topUsers,
} from './audit-report.js';
import type { BanOutcome } from './fail2ban-history.js';

/** `2026-02-15 14:23:12` (UTC): what an operator compares with fail2ban's log. */
export function stamp(t: number | null): string {
  return t === null || !Number.isFinite(t) ? '-' : new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** An outcome in words, for one line. */
export function describeOutcome(o: BanOutcome): string {
  if (o.status === 'banned') {
    const late = o.delay > 60_000 ? ` (${Math.round(o.delay / 1000)} s late)` : '';
    return `banned ${stamp(o.at)}${o.restored ? ' (restored)' : ''}${late}`;
  }
  if (o.status === 'already-banned') return `already banned since ${stamp(o.since)}`;
  return `NOT banned: ${o.why}: ${o.detail}`;
}

function counts(c: CampaignReport): { banned: number; not: number } {
  let banned = 0;
  let not = 0;
  for (const m of c.members.values()) {
    if (memberStatus(m) === 'not-banned') not++;
    else banned++;
  }
  return { banned, not };
}

/** Where fail2ban's events came from, for the header line of the table and the HTML. */
export function fail2banSource(s: AuditReport['sources']): string {
  return s.fail2banJournal === null ? `${s.fail2banFiles.length} file(s)` : `the journal (${s.fail2banJournal})`;
}

/**
 * What the verdict log's torn parts are, for the summary line (the table's and the page's): no verdicts, or each the
 * BAN fail2ban banned from it (it called them all "no verdicts" beside a member it showed banned by one: found in
 * review). With --ip, fail2ban's log is read for the address alone: another address's part is known by its text only.
 */
export function tornCount(report: AuditReport): string {
  const { tornLines: torn, tornVerdicts: verdicts } = report.sources;
  const ip = report.filters.ip;
  if (torn === 0 && ip === undefined) return '';
  const standing = verdicts > 0 ? `${verdicts} standing for the BAN fail2ban banned from it` : '';
  if (ip !== undefined) {
    const others = `other addresses' known by their text alone: --ip reads fail2ban's log for ${ip} only`;
    return `${torn} torn by a full disk (${others}${standing === '' ? '' : `; of ${ip}'s, ${standing}`})`;
  }
  const none = torn - verdicts;
  const no = none === 0 ? '' : verdicts === 0 ? 'no verdicts' : `${none} no verdict${none === 1 ? '' : 's'}`;
  return `${torn} torn by a full disk (${[no, standing].filter((w) => w !== '').join(', ')})`;
}

/**
 * The BAN verdicts known from their `repeat=rotation` copy alone, for the summary line (the table's and the page's): a
 * line written between copytruncate's copy and its truncation is in neither file (part-context.ts).
 */
export function copyCount(report: AuditReport): string {
  const n = report.sources.copyVerdicts;
  if (n === 0) return '';
  return `${n} BAN verdict${n === 1 ? '' : 's'} known from ${n === 1 ? 'its' : 'their'} repeat=rotation copy alone`;
}

/** When a verdict was written, and that it is known from its copy alone when so. */
export function verdictStamp(v: MemberVerdict): string {
  return `${stamp(v.time)}${v.fromCopy ? ' (from its copy)' : ''}`;
}

/** The terminal report: campaigns table, members never banned and why, alerts; with --ip the address's story. */
export function renderTable(report: AuditReport): string {
  const out: string[] = [];
  const members = report.campaigns.reduce((n, c) => n + c.members.size, 0);
  const notBanned = report.campaigns.reduce((n, c) => n + counts(c).not, 0);
  out.push(
    `f2b-campaign audit: ${report.campaigns.length} campaign(s), ${members} member(s) named in BAN verdicts ` +
      `(${members - notBanned} banned by fail2ban, ${notBanned} never banned), ${report.alerts.length} alert(s)`,
  );
  const s = report.sources;
  out.push(
    `read ${s.verdictLines} verdict line(s) from ${s.verdictFiles.length} file(s)` +
      `${tornCount(report) === '' ? '' : `, ${tornCount(report)}`}` +
      `${copyCount(report) === '' ? '' : `, ${copyCount(report)}`}` +
      `${s.malformedLines ? `, ${s.malformedLines} not verdicts` : ''}; ` +
      `${s.fail2banEvents} fail2ban event(s) from ${fail2banSource(s)}; jail ${report.jail}`,
  );
  if (report.campaigns.length > 0) {
    const rows = [['CAMPAIGN', 'START (UTC)', 'END / LAST SEEN', 'MEMBERS', 'BANNED', 'NEVER', 'ALERTS', 'SIGNALS']];
    for (const c of report.campaigns) {
      const n = counts(c);
      const end = c.end === null ? `${stamp(c.lastSeen)} (open)` : stamp(c.end);
      rows.push([
        c.id,
        stamp(c.start),
        end,
        String(c.memberCount),
        String(n.banned),
        String(n.not),
        String(c.alerts),
        [...c.signals].join('+') || '-',
      ]);
    }
    out.push('', ...table(rows));
  }
  const never: string[][] = [];
  for (const c of report.campaigns) {
    for (const m of c.members.values()) {
      for (const v of m.verdicts)
        if (v.outcome.status === 'not-banned') never.push([c.id, m.ip, verdictStamp(v), describeOutcome(v.outcome)]);
    }
  }
  if (never.length > 0)
    out.push(
      '',
      'BAN verdicts fail2ban did not carry out:',
      ...table([['CAMPAIGN', 'ADDRESS', 'VERDICT', 'WHY'], ...never]),
    );
  if (report.unexplainedBans.length > 0)
    out.push(
      '',
      `fail2ban bans in jail ${report.jail} that no BAN verdict explains (banned by hand, or a line not ours):`,
      ...table([['ADDRESS', 'BANNED (UTC)'], ...report.unexplainedBans.map((e) => [e.ip ?? '-', stamp(e.time)])]),
    );
  for (const c of report.campaigns) {
    if (report.filters.campaign === undefined && report.filters.ip === undefined) break;
    out.push(
      '',
      `campaign ${c.id}: prefixes ${
        prefixCounts(c)
          .slice(0, 5)
          .map((p) => `${p.prefix} (${p.members})`)
          .join(', ') || '-'
      }`,
    );
    const users = topUsers(c, 8).map((u) => `${escapeValue(u.user)} (${u.count})`);
    if (users.length > 0) out.push(`  usernames tried: ${users.join(', ')}`);
    const rows = [['ADDRESS', 'VERDICT', 'REASON', 'FAIL2BAN']];
    for (const m of c.members.values())
      for (const v of m.verdicts) rows.push([m.ip, verdictStamp(v), v.reason, describeOutcome(v.outcome)]);
    out.push(...table(rows).map((l) => `  ${l}`));
  }
  if (report.alerts.length > 0) {
    out.push('', 'Alerts:');
    for (const a of report.alerts)
      out.push(
        `  ${stamp(a.time)}  ${Object.entries(a.fields)
          .map(([k, v]) => `${k}=${escapeValue(v)}`)
          .join(' ')}`,
      );
  }
  if (report.explain) {
    const e = report.explain;
    out.push('', `Address ${e.ip}: ${e.verdicts.length} verdict(s), ${e.fail2ban.length} fail2ban event(s)`);
    for (const v of e.verdicts)
      out.push(
        `  ${stamp(v.time)}  verdict ${v.verb} ${Object.entries(v.fields)
          .map(([k, x]) => `${k}=${escapeValue(x)}`)
          .join(' ')}`,
      );
    for (const f of e.fail2ban)
      out.push(`  ${stamp(f.time)}  fail2ban [${f.jail ?? '-'}] ${f.type}${f.detail ? ` (${f.detail})` : ''}`);
    for (const c of report.campaigns) {
      const m = c.members.get(e.ip);
      if (m)
        for (const v of m.verdicts)
          out.push(`  => campaign ${c.id}, verdict ${verdictStamp(v)} (${v.reason}): ${describeOutcome(v.outcome)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
