import type { CampaignReport, MemberReport } from './audit-report.js';
import { html } from './html-escape.js';

/** Rows drawn before the rest are summarised in one line: keeps the picture readable for huge campaigns. */
const MAX_ROWS = 80;
const ROW = 14;
const LABEL = 150;
const WIDTH = 1100;
const TOP = 34;
const TICKS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400].map(
  (s) => s * 1000,
);

function clock(t: number, withDate: boolean): string {
  const iso = new Date(t).toISOString();
  return withDate ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/** The time span the timeline shows: every attempt, verdict and ban of the campaign, with a small margin. */
function span(c: CampaignReport, members: MemberReport[]): [number, number] {
  let a = c.start;
  let b = Math.max(c.lastSeen, c.end ?? 0);
  for (const m of members) {
    for (const t of m.attempts) {
      a = Math.min(a, t);
      b = Math.max(b, t);
    }
    for (const [ban] of m.banPeriods) b = Math.max(b, ban);
  }
  const margin = Math.max(30_000, (b - a) * 0.03);
  return [a - margin, b + margin];
}

/**
 * One campaign as an inline SVG: a row per member (attempts as grey ticks, BAN verdicts as blue triangles,
 * fail2ban's bans as red bars until unban, verdicts fail2ban never carried out as orange crosses), campaign events
 * as dashed lines. Pure string building: no script, no external resource.
 */
export function campaignTimeline(c: CampaignReport): string {
  const all = [...c.members.values()].sort((x, y) => (x.verdicts[0]?.time ?? 0) - (y.verdicts[0]?.time ?? 0));
  const members = all.slice(0, MAX_ROWS);
  const [from, to] = span(c, members);
  const x = (t: number) => LABEL + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * (WIDTH - LABEL - 10);
  const rows = members.length + (all.length > MAX_ROWS ? 1 : 0);
  const height = TOP + rows * ROW + 24;
  const parts: string[] = [];
  const step = TICKS.find((s) => (to - from) / s <= 10) ?? TICKS.at(-1)!;
  const withDate = to - from > 86_400_000;
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    parts.push(`<line x1="${x(t)}" y1="${TOP - 6}" x2="${x(t)}" y2="${height - 20}" class="grid"/>`);
    parts.push(`<text x="${x(t)}" y="${height - 6}" class="tick">${clock(t, withDate)}</text>`);
  }
  for (const e of c.events) {
    parts.push(`<line x1="${x(e.time)}" y1="12" x2="${x(e.time)}" y2="${height - 20}" class="event"/>`);
    // Labels near the right edge are written leftwards so they are not cut off.
    const right = x(e.time) > WIDTH - 80;
    const label = `${html(e.event)}${e.members === null ? '' : ` ${e.members}`}`;
    parts.push(
      `<text x="${x(e.time) + (right ? -3 : 3)}" y="20" class="evlabel"${right ? ' text-anchor="end"' : ''}>${label}</text>`,
    );
  }
  members.forEach((m, i) => {
    const y = TOP + i * ROW;
    const mid = y + ROW / 2;
    parts.push(`<text x="${LABEL - 6}" y="${mid + 4}" class="ip">${html(m.ip)}</text>`);
    parts.push(`<line x1="${LABEL}" y1="${mid}" x2="${WIDTH - 10}" y2="${mid}" class="lane"/>`);
    for (const [ban, unban] of m.banPeriods) {
      const x1 = x(ban);
      const x2 = x(unban ?? to);
      parts.push(
        `<rect x="${x1}" y="${y + 3}" width="${Math.max(2, x2 - x1)}" height="${ROW - 6}" class="ban"><title>fail2ban ban ${html(new Date(ban).toISOString())}</title></rect>`,
      );
    }
    for (const t of m.attempts)
      parts.push(`<line x1="${x(t)}" y1="${y + 2}" x2="${x(t)}" y2="${y + ROW - 2}" class="attempt"/>`);
    for (const v of m.verdicts) {
      const vx = x(v.time);
      if (v.outcome.status === 'not-banned') {
        parts.push(
          `<path d="M${vx - 4} ${mid - 4}l8 8m0 -8l-8 8" class="missed"><title>${html(v.outcome.detail)}</title></path>`,
        );
      } else {
        parts.push(
          `<path d="M${vx - 4} ${y + 1}h8l-4 7z" class="verdict"><title>BAN verdict ${html(v.reason)}${v.fromCopy ? ' (from its repeat=rotation copy)' : ''}</title></path>`,
        );
      }
    }
  });
  if (all.length > MAX_ROWS) {
    parts.push(
      `<text x="${LABEL}" y="${TOP + members.length * ROW + 10}" class="tick">… and ${all.length - MAX_ROWS} more members (see the JSON report)</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="timeline of campaign ${html(c.id)}">${parts.join('')}</svg>`;
}

/** Attempts (or, without an sshd log, BAN verdicts) of all members per time bin, as a small bar chart. */
export function activityBars(c: CampaignReport, bins = 60): string {
  const members = [...c.members.values()];
  const useAttempts = members.some((m) => m.attempts.length > 0);
  const times = members.flatMap((m) => (useAttempts ? m.attempts : m.verdicts.map((v) => v.time)));
  if (times.length === 0) return '';
  const [from, to] = span(c, members);
  const counts = new Array<number>(bins).fill(0);
  for (const t of times) counts[Math.min(bins - 1, Math.max(0, Math.floor(((t - from) / (to - from)) * bins)))]!++;
  const max = Math.max(...counts);
  const w = (WIDTH - LABEL - 10) / bins;
  const bars = counts
    .map((n, i) =>
      n === 0
        ? ''
        : `<rect x="${LABEL + i * w}" y="${60 - (n / max) * 50}" width="${Math.max(1, w - 1)}" height="${(n / max) * 50}" class="bar"><title>${n}</title></rect>`,
    )
    .join('');
  const label = useAttempts ? 'attempts' : 'BAN verdicts';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="64" viewBox="0 0 ${WIDTH} 64" role="img" aria-label="${label} over time"><text x="${LABEL - 6}" y="20" class="ip">${label}</text><text x="${LABEL - 6}" y="34" class="tick" text-anchor="end">max ${max}/bin</text>${bars}</svg>`;
}
