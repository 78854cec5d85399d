import { asciiJson } from '../core/ascii-json.js';
import { type AuditReport, memberStatus, prefixCounts, topUsers } from './audit-report.js';

const iso = (t: number | null) => (t === null || !Number.isFinite(t) ? null : new Date(t).toISOString());

/** The report as plain JSON for scripts (`--json`): times as RFC 3339 UTC, Maps and Sets as arrays. */
export function reportToJson(report: AuditReport): Record<string, unknown> {
  return {
    generated: iso(report.generated),
    filters: {
      since: iso(report.filters.since ?? null),
      until: iso(report.filters.until ?? null),
      campaign: report.filters.campaign ?? null,
      ip: report.filters.ip ?? null,
    },
    sources: report.sources,
    jail: report.jail,
    fail2banUptime: report.fail2banUptime.map(([a, b]) => ({ from: iso(a), to: iso(b) })),
    campaigns: report.campaigns.map(campaignToJson),
    alerts: report.alerts.map((a) => ({ time: iso(a.time), ...a.fields })),
    unexplainedBans: report.unexplainedBans.map((e) => ({ time: iso(e.time), ip: e.ip ?? null })),
    explain: report.explain && {
      ip: report.explain.ip,
      verdicts: report.explain.verdicts.map((v) => ({ time: iso(v.time), verb: v.verb, ...v.fields })),
      fail2ban: report.explain.fail2ban.map((e) => ({ ...e, time: iso(e.time) })),
    },
  };
}

/**
 * The same JSON in pieces, one campaign per line, so 90 days of a busy host never become one giant string (the
 * whole-string form needed ~1.7 GB on the 450,000-ban benchmark).
 */
export function* reportJsonChunks(report: AuditReport): Generator<string> {
  const { campaigns: _, ...head } = reportToJson({ ...report, campaigns: [] });
  const headText = asciiJson(head);
  yield `${headText.slice(0, -1)},"campaigns":[\n`;
  for (let i = 0; i < report.campaigns.length; i++) {
    yield `${asciiJson(campaignToJson(report.campaigns[i]!))}${i + 1 < report.campaigns.length ? ',' : ''}\n`;
  }
  yield ']}\n';
}

function campaignToJson(c: AuditReport['campaigns'][number]): unknown {
  return {
    id: c.id,
    start: iso(c.start),
    end: iso(c.end),
    lastSeen: iso(c.lastSeen),
    memberCount: c.memberCount,
    signals: [...c.signals],
    events: c.events.map((e) => ({ ...e, time: iso(e.time) })),
    alerts: c.alerts,
    prefixes: prefixCounts(c),
    topUsers: topUsers(c),
    members: [...c.members.values()].map((m) => ({
      ip: m.ip,
      status: memberStatus(m),
      verdicts: m.verdicts.map((v) => ({
        time: iso(v.time),
        ...(v.fromCopy && { fromCopy: true }),
        reason: v.reason,
        outcome:
          v.outcome.status === 'banned'
            ? { ...v.outcome, at: iso(v.outcome.at), delaySeconds: v.outcome.delay / 1000 }
            : v.outcome.status === 'already-banned'
              ? { ...v.outcome, since: iso(v.outcome.since) }
              : v.outcome,
      })),
      banPeriods: m.banPeriods.map(([a, b]) => ({ ban: iso(a), unban: iso(b) })),
      attempts: m.attempts.length,
    })),
  };
}
