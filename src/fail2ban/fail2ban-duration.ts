import { F2bCampaignError } from '../core/errors.js';

const UNIT_SECONDS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(?:y|yea|years?)$/, 365 * 86_400],
  [/^(?:mo|mon|months?)$/, 30 * 86_400],
  [/^(?:w|wee|weeks?)$/, 7 * 86_400],
  [/^(?:d|dd|days?)$/, 86_400],
  [/^(?:h|hh|hours?)$/, 3_600],
  [/^(?:m|mm|mi|min|mins|minutes?)$/, 60],
  [/^(?:s|ss|se|sec|secs|seconds?)$/, 1],
];

/**
 * Reads a time span the way fail2ban writes them (`600`, `10m`, `1h 30m`, `2days`, `-1`) into milliseconds.
 * fail2ban's negative bantime means "for ever": that is Infinity here, so `start + bantime` stays meaningful.
 */
export function parseFail2banDuration(text: string | number): number {
  if (typeof text === 'number') return text < 0 ? Number.POSITIVE_INFINITY : Math.round(text * 1000);
  const trimmed = text.trim().toLowerCase();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return parseFail2banDuration(Number(trimmed));
  // fail2ban adds the parts up; a part without a unit is seconds (`600 1m` is 11 minutes).
  const part = /\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*/y;
  let seconds = 0;
  let consumed = 0;
  for (let m = part.exec(trimmed); m; m = part.exec(trimmed)) {
    const unit = m[2] === '' ? ([/^$/, 1] as const) : UNIT_SECONDS.find(([pattern]) => pattern.test(m![2]!));
    if (!unit) break;
    seconds += Number(m[1]) * unit[1];
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    throw new F2bCampaignError(
      'BAD_FAIL2BAN_DURATION',
      `expected a fail2ban time span like 600, 10m or 1h 30m, got ${JSON.stringify(text)}`,
    );
  }
  return Math.round(seconds * 1000);
}
