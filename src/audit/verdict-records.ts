import { parseVerdictLine } from '../verdict/verdict-line.js';

/** One verdict line as the audit keeps it: the verb, the time, and every field (unescaped) by name. */
export interface VerdictRecord {
  readonly time: number;
  readonly verb: 'BAN' | 'ALERT' | 'CAMPAIGN';
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * The keys docs/verdict-line.md says every line of a verb carries (a BAN's first key is always `ip`). A line that
 * lacks one was cut (a full disk tore it, and a rotation kept the part): `BAN ip=101.222.219.19` cut from
 * `...219.194 campaign=...` would otherwise name a bystander. An ALERT's `user` (in both kinds, since alerts were
 * written) follows all its addresses: with `kind` alone, `ALERT kind=compromise ip=58.93.235.14` cut from `.143`
 * was an alert of a bystander (found in review). A CAMPAIGN's `last_seen` (on every one written) follows the
 * `members`, `signals` and `start` the audit reads: with `id` and `event` alone, one cut inside `members=12` was an
 * event of 1 member (found in review). A BAN's part still names its verdict (torn-parts.ts).
 */
const REQUIRED: Readonly<Record<VerdictRecord['verb'], readonly string[]>> = {
  BAN: ['ip', 'campaign', 'reason'],
  ALERT: ['kind', 'user'],
  CAMPAIGN: ['id', 'event', 'members', 'signals', 'start', 'last_seen'],
};

/** Reads one line of the verdict log; null for lines that are not verdicts (counted by the caller). */
export function readVerdictRecord(line: string): VerdictRecord | null {
  const parsed = parseVerdictLine(line);
  if (!parsed) return null;
  if (REQUIRED[parsed.verb].some((key) => !parsed.fields.has(key))) return null;
  if (parsed.verb === 'BAN' && parsed.fields.keys().next().value !== 'ip') return null;
  return { time: parsed.time, verb: parsed.verb, fields: Object.fromEntries(parsed.fields) };
}

/** Signals as a list, from a `signals=rhythm+dictionary` (or `reason=`) value. */
export function splitSignals(value: string | undefined): string[] {
  if (!value || value === 'none') return [];
  return value.split('+').filter((s) => s.length > 0);
}

/** The campaign a verdict belongs to (`id` on CAMPAIGN lines, `campaign` elsewhere), or undefined. */
export function campaignOf(record: VerdictRecord): string | undefined {
  return record.verb === 'CAMPAIGN' ? record.fields['id'] : record.fields['campaign'];
}

/** Every address a verdict names: the banned or alerted source, and for lateral alerts the login source. */
export function addressesOf(record: VerdictRecord): string[] {
  const out: string[] = [];
  for (const key of ['ip', 'login_ip', 'remote_ip', 'local_ip']) {
    const value = record.fields[key];
    if (value !== undefined) out.push(value);
  }
  return out;
}
