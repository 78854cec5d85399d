import type { StepResult } from './attack-driver.js';
import type { Fail2banAction, SshdRecord, VerdictRecord } from './log-readers.js';

/** What became of one attacking source, from the logs of sshd, f2b-campaign and fail2ban and from the driver. */
export interface SourceFate {
  readonly source: string;
  /** Password attempts sshd logged for the source (`Failed password`), in all. */
  readonly attempts: number;
  /** Of those, the ones sshd logged before fail2ban banned the source in the f2b-campaign jail. */
  readonly beforeBan: number;
  /** Attempts the driver made after the ban whose TCP connection was refused by nftables. */
  readonly refusedAfterBan: number;
  readonly firstAttemptAt?: number;
  readonly verdictAt?: number;
  readonly bannedAt?: number;
  readonly sshdJailBannedAt?: number;
}

export interface Timeline {
  readonly start: number;
  readonly campaignAt?: number;
  readonly fates: readonly SourceFate[];
  readonly text: string;
}

export interface TimelineInput {
  readonly results: readonly StepResult[];
  readonly sshd: readonly SshdRecord[];
  readonly actions: readonly Fail2banAction[];
  readonly verdicts: readonly VerdictRecord[];
  readonly attackSources: readonly string[];
}

const CAMPAIGN_JAIL = 'f2b-campaign';

/** Builds the per-source fates and the printed timeline (t = seconds since the campaign's first attempt). */
export function buildTimeline(input: TimelineInput): Timeline {
  const attacks = input.results.filter((r) => r.step.kind === 'attack').sort((a, b) => a.startedAt - b.startedAt);
  const start = attacks[0]?.startedAt ?? 0;
  const t = (ms: number | undefined): string => (ms === undefined ? '-' : `+${((ms - start) / 1000).toFixed(1)}s`);
  const firstBan = (jail: string, ip: string): number | undefined =>
    input.actions.find((a) => a.jail === jail && a.action === 'Ban' && a.ip === ip)?.time;
  const fates = input.attackSources.map((source): SourceFate => {
    const failed = input.sshd.filter((r) => r.ip === source && r.what === 'failed-password');
    const bannedAt = firstBan(CAMPAIGN_JAIL, source);
    const verdictAt = input.verdicts.find((v) => v.verb === 'BAN' && v.fields.get('ip') === source)?.time;
    const sshdJailBannedAt = firstBan('sshd', source);
    const mine = attacks.filter((r) => r.step.source === source);
    return {
      source,
      attempts: failed.length,
      beforeBan: bannedAt === undefined ? failed.length : failed.filter((r) => r.time < bannedAt).length,
      refusedAfterBan: mine.filter((r) => r.outcome === 'refused' && bannedAt !== undefined && r.startedAt >= bannedAt)
        .length,
      ...(mine[0] ? { firstAttemptAt: mine[0].startedAt } : {}),
      ...(verdictAt !== undefined ? { verdictAt } : {}),
      ...(bannedAt !== undefined ? { bannedAt } : {}),
      ...(sshdJailBannedAt !== undefined ? { sshdJailBannedAt } : {}),
    };
  });
  const campaignAt = input.verdicts.find((v) => v.verb === 'CAMPAIGN')?.time;

  const events: Array<[number, string]> = [];
  const first = attacks[0];
  if (first) events.push([first.startedAt, `first attempt          ${first.step.source} user=${first.step.user}`]);
  for (const r of input.results) {
    if (r.step.kind === 'attack') continue;
    const label = {
      'legit-key': 'legit user, key login',
      'legit-typo': 'legit user, bad password',
      probe: 'probe (connect, close)',
    }[r.step.kind];
    events.push([r.startedAt, `${label.padEnd(22)} ${r.step.source} -> ${r.outcome}`]);
  }
  for (const v of input.verdicts) {
    if (v.verb === 'BAN') continue;
    const fields = [...v.fields].map(([k, val]) => `${k}=${val}`).join(' ');
    const label = v === input.verdicts.find((x) => x.verb === 'CAMPAIGN') ? 'campaign recognised' : `verdict ${v.verb}`;
    events.push([v.time, `${label.padEnd(22)} ${fields}`]);
  }
  for (const f of fates) {
    if (f.bannedAt !== undefined) {
      events.push([
        f.bannedAt,
        `fail2ban Ban            ${f.source.padEnd(15)} [f2b-campaign] verdict ${t(f.verdictAt)}, ${f.beforeBan} of ${f.attempts} attempts got in first`,
      ]);
    }
    if (f.sshdJailBannedAt !== undefined)
      events.push([f.sshdJailBannedAt, `fail2ban Ban            ${f.source} [sshd]`]);
  }
  const last = attacks.at(-1);
  if (last) events.push([last.startedAt, `last attempt           ${last.step.source} -> ${last.outcome}`]);
  events.sort((a, b) => a[0] - b[0]);

  const banned = fates.filter((f) => f.bannedAt !== undefined);
  const before = banned.map((f) => f.beforeBan).sort((a, b) => a - b);
  const lines = [
    `e2e timeline: ${fates.length} sources, ${attacks.length} attempts planned; t = time since the first attempt`,
    ...events.map(([time, text]) => `  ${t(time).padStart(8)}  ${text}`),
    'summary:',
    `  sshd jail (maxretry 5, findtime 10m) banned ${fates.filter((f) => f.sshdJailBannedAt !== undefined).length} of ${fates.length} sources`,
    `  f2b-campaign jail banned ${banned.length} of ${fates.length} sources` +
      (before.length > 0
        ? `; attempts that reached sshd before the ban: min ${before[0]}, median ${before[Math.floor(before.length / 2)]}, max ${before.at(-1)}`
        : ''),
    `  attempts refused by nftables after the ban: ${fates.reduce((n, f) => n + f.refusedAfterBan, 0)}`,
  ];
  return { start, ...(campaignAt !== undefined ? { campaignAt } : {}), fates, text: lines.join('\n') };
}
