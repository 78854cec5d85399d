import { F2bCampaignError } from '../core/errors.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds as the largest whole unit parseDuration reads back (`100ms`, `1m`, `2d`), for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit]! === 0) return `${ms / UNIT_MS[unit]!}${unit}`;
  }
  return `${ms}ms`;
}

/** Parses `30s`, `10m`, `1h30m`, `2d` or a bare number of seconds (fail2ban's convention) into milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const part = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = part.exec(trimmed); m; m = part.exec(trimmed)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    throw new F2bCampaignError(
      'BAD_DURATION',
      `expected a duration like 30s, 10m, 1h or 2d, got ${JSON.stringify(text)}`,
    );
  }
  return Math.round(total);
}
