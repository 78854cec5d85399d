import { escapeValue } from '../verdict/verdict-line.js';
import { type AuditReport, type CampaignReport, memberStatus, prefixCounts, topUsers } from './audit-report.js';
import { html } from './html-escape.js';
import { copyCount, describeOutcome, fail2banSource, stamp, tornCount, verdictStamp } from './report-table.js';
import { activityBars, campaignTimeline } from './svg-timeline.js';

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:24px;color:#1d2330;background:#f6f7f9}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:0 0 6px} h3{font-size:14px;margin:12px 0 4px}
.meta{color:#5b6475;font-size:12px}
.cards{display:flex;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:24px}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:14px 16px;margin:16px 0}
.chip{display:inline-block;background:#e8eefc;color:#23408e;border-radius:10px;padding:1px 8px;margin-right:4px;font-size:12px}
table{border-collapse:collapse;font-size:12px} td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
th{color:#5b6475;font-weight:600} .cols{display:flex;gap:40px;flex-wrap:wrap}
.bad{color:#b45309} .legend svg{vertical-align:middle}
svg text{font:11px "DejaVu Sans Mono",monospace;fill:#1d2330}
svg .ip{text-anchor:end} svg .tick{fill:#5b6475;text-anchor:middle} svg .evlabel{fill:#6b21a8;font-size:10px}
svg .grid{stroke:#eceff3} svg .lane{stroke:#f0f2f5} svg .event{stroke:#a855f7;stroke-dasharray:4 3}
svg .attempt{stroke:#6b7280;stroke-width:1.5} svg .verdict{fill:#2563eb} svg .ban{fill:#dc2626;opacity:.35}
svg .missed{stroke:#ea580c;stroke-width:2.5} svg .bar{fill:#64748b}
`;

const LEGEND = `<p class="legend meta">
<svg width="12" height="10"><line x1="6" y1="0" x2="6" y2="10" stroke="#6b7280" stroke-width="1.5"/></svg> attempt (sshd log)
&nbsp; <svg width="10" height="8"><path d="M1 0h8l-4 7z" fill="#2563eb"/></svg> BAN verdict
&nbsp; <svg width="24" height="10"><rect width="24" height="10" fill="#dc2626" opacity=".35"/></svg> banned by fail2ban (until unban)
&nbsp; <svg width="10" height="10"><path d="M1 1l8 8m0-8l-8 8" stroke="#ea580c" stroke-width="2.5"/></svg> verdict fail2ban did not carry out
&nbsp; <svg width="14" height="10"><line x1="7" y1="0" x2="7" y2="10" stroke="#a855f7" stroke-dasharray="3 2"/></svg> campaign event</p>`;

function campaignSection(c: CampaignReport): string {
  const members = [...c.members.values()];
  const never = members.flatMap((m) =>
    m.verdicts.filter((v) => v.outcome.status === 'not-banned').map((v) => ({ m, v })),
  );
  const banned = members.filter((m) => memberStatus(m) !== 'not-banned').length;
  const users = topUsers(c, 10);
  const prefixes = prefixCounts(c).slice(0, 10);
  const end = c.end === null ? `still open, last seen ${stamp(c.lastSeen)}` : `ended ${stamp(c.end)}`;
  return `<section id="c-${html(c.id)}">
<h2>Campaign ${html(c.id)}</h2>
<p class="meta">${stamp(c.start)} UTC &ndash; ${end} &middot; <b>${c.memberCount}</b> members, ${banned} banned by fail2ban,
${members.length - banned} never banned &middot; ${c.alerts} alert(s) &middot; signals ${[...c.signals].map((s) => `<span class="chip">${html(s)}</span>`).join('') || '-'}</p>
${activityBars(c)}
${campaignTimeline(c)}
<div class="cols">
<div><h3>Top usernames tried</h3>${
    users.length === 0
      ? '<p class="meta">none recorded (BAN lines carry no user=, and no sshd log was read)</p>'
      : `<table><tr><th>username</th><th>tries</th></tr>${users.map((u) => `<tr><td>${html(escapeValue(u.user))}</td><td>${u.count}</td></tr>`).join('')}</table>`
  }</div>
<div><h3>Prefixes</h3><table><tr><th>prefix</th><th>members</th></tr>${prefixes.map((p) => `<tr><td>${html(p.prefix)}</td><td>${p.members}</td></tr>`).join('')}</table></div>
<div><h3>Not carried out by fail2ban</h3>${
    never.length === 0
      ? '<p class="meta">every BAN verdict was carried out</p>'
      : `<table><tr><th>address</th><th>verdict</th><th>why</th></tr>${never.map(({ m, v }) => `<tr><td>${html(m.ip)}</td><td>${html(verdictStamp(v))}</td><td class="bad">${html(describeOutcome(v.outcome))}</td></tr>`).join('')}</table>`
  }</div>
</div>
</section>`;
}

/** Campaigns drawn in full; the rest are one table row each (a person does not read 1,800 timelines). */
const MAX_DRAWN = 100;

function neverCount(c: CampaignReport): number {
  return [...c.members.values()].filter((m) => memberStatus(m) === 'not-banned').length;
}

/** The campaigns worth a picture: those with unbanned members or alerts first, then the largest; in time order. */
function drawnCampaigns(campaigns: readonly CampaignReport[]): Set<CampaignReport> {
  const ranked = [...campaigns].sort(
    (a, b) =>
      Number(neverCount(b) + b.alerts > 0) - Number(neverCount(a) + a.alerts > 0) || b.memberCount - a.memberCount,
  );
  return new Set(ranked.slice(0, MAX_DRAWN));
}

function othersTable(others: readonly CampaignReport[]): string {
  if (others.length === 0) return '';
  const rows = others
    .map(
      (c) =>
        `<tr><td>${html(c.id)}</td><td>${stamp(c.start)}</td><td>${stamp(c.end ?? c.lastSeen)}</td><td>${c.memberCount}</td><td>${neverCount(c)}</td><td>${html([...c.signals].join('+'))}</td></tr>`,
    )
    .join('');
  return `<section><h2>${others.length} more campaigns</h2><p class="meta">Not drawn (every member banned, no alert, smaller); <code>f2b-campaign audit --campaign ID --html FILE</code> draws one.</p>
<table><tr><th>campaign</th><th>start (UTC)</th><th>end / last seen</th><th>members</th><th>never banned</th><th>signals</th></tr>${rows}</table></section>`;
}

/** The self-contained HTML report: inline CSS and SVG only, no script, no network. */
export function renderHtml(report: AuditReport): string {
  const drawn = drawnCampaigns(report.campaigns);
  const members = report.campaigns.reduce((n, c) => n + c.members.size, 0);
  const never = report.campaigns.reduce(
    (n, c) => n + [...c.members.values()].filter((m) => memberStatus(m) === 'not-banned').length,
    0,
  );
  const s = report.sources;
  const alerts = report.alerts
    .map(
      (a) =>
        `<tr><td>${stamp(a.time)}</td><td>${html(a.fields['kind'] ?? '')}</td><td>${html(
          Object.entries(a.fields)
            .filter(([k]) => k !== 'kind')
            // Quoted as on the verdict line (and in the table): a value with a space cannot pass for more fields.
            .map(([k, v]) => `${k}=${escapeValue(v)}`)
            .join(' '),
        )}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>f2b-campaign audit</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>${STYLE}</style></head><body>
<h1>f2b-campaign audit</h1>
<p class="meta">generated ${stamp(report.generated)} UTC &middot; jail ${html(report.jail)} &middot; ${s.verdictLines} verdict lines from
${s.verdictFiles.length} file(s), ${lineCounts(report)}${s.fail2banEvents} fail2ban events from ${html(fail2banSource(s))}${
    report.filters.since === undefined ? '' : ` &middot; since ${stamp(report.filters.since)}`
  }${report.filters.until === undefined ? '' : ` &middot; until ${stamp(report.filters.until)}`}</p>
<div class="cards"><div class="card"><b>${report.campaigns.length}</b>campaigns</div><div class="card"><b>${members}</b>members named in BAN verdicts</div>
<div class="card"><b>${members - never}</b>banned by fail2ban</div><div class="card"><b>${never}</b>never banned</div>
<div class="card"><b>${report.alerts.length}</b>alerts</div></div>
${LEGEND}
${report.campaigns
  .filter((c) => drawn.has(c))
  .map(campaignSection)
  .join('\n')}
${othersTable(report.campaigns.filter((c) => !drawn.has(c)))}
${unexplainedSection(report)}
<section><h2>Alerts</h2>${alerts ? `<table><tr><th>time (UTC)</th><th>kind</th><th>evidence</th></tr>${alerts}</table>` : '<p class="meta">none</p>'}</section>
</body></html>
`;
}

/** The verdict-log lines torn, copies standing, or no verdicts, as the table says them (report-table.ts), each followed by a comma. */
function lineCounts(report: AuditReport): string {
  const torn = tornCount(report);
  const copies = copyCount(report);
  const s = report.sources;
  return (
    (torn === '' ? '' : `${html(torn)}, `) +
    (copies === '' ? '' : `${html(copies)}, `) +
    (s.malformedLines ? `${html(s.malformedLines)} not verdicts, ` : '')
  );
}

/** The jail's bans no verdict explains (an address banned by hand, or a line in the verdict log not ours). */
function unexplainedSection(report: AuditReport): string {
  const bans = report.unexplainedBans;
  if (bans.length === 0) return '';
  const rows = bans.map((e) => `<tr><td>${html(e.ip ?? '-')}</td><td>${stamp(e.time)}</td></tr>`).join('');
  return `<section><h2>Bans no verdict explains</h2><p class="meta">fail2ban banned these in jail ${html(report.jail)} with no BAN verdict naming them (by hand, or a line in the verdict log that f2b-campaign did not write)</p><table><tr><th>address</th><th>banned (UTC)</th></tr>${rows}</table></section>`;
}
