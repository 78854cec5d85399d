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
 * `...219.194 campaign=...` would otherwise name a bystander. A CAMPAIGN's `last_seen` (on every one written) follows
 * the `members`, `signals` and `start` the audit reads: with `id` and `event` alone, one cut inside `members=12` was an
 * event of 1 member (found in review). A BAN's part still names its verdict (torn-parts.ts).
 */
const REQUIRED: Readonly<Record<'BAN' | 'CAMPAIGN', readonly string[]>> = {
  BAN: ['ip', 'campaign', 'reason'],
  CAMPAIGN: ['id', 'event', 'members', 'signals', 'start', 'last_seen'],
};

/**
 * An ALERT's keys by kind, every one on every alert written since alerts were (src/alerts/alert-core.ts). With `kind`
 * and `user` alone, a compromise ALERT cut inside `ip=58.93.235.143` was an alert of a bystander, and one cut inside
 * `campaign=c-...-12` an alert of campaign `c-...-1` (found in review). A lateral ALERT ends with its campaign: a cut
 * inside it is told by the alerts before it (part-context.ts).
 */
const ALERT_KEYS = new Map<string, readonly string[]>([
  ['compromise', 'kind ip user campaign reason signals method'.split(' ')],
  [
    'lateral',
    'kind reason local_ip local_port remote_ip remote_port lifetime since_login login_ip user campaign'.split(' '),
  ],
]);

/** A time as the writer puts it (`time`, `start`, `last_seen`, `decided`): any other text is one cut short. */
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * What the grammar fixes of the values that may end a line (docs/verdict-line.md): a line ended with a newline alone
 * by an earlier version may be cut inside its last value, and a cut short of its key's whole value still reads as a
 * line with every key (`method=pass`, `limit=25`). A form the value must have, or the values it may take, of which
 * one cut short is a strict beginning (a value that begins none is another's, kept whole: sshd may name a method we
 * do not know). Every key, of any verb, that may end a line and has such a value; a lateral ALERT ends with its
 * campaign, whose number only the lines before it tell (part-context.ts).
 */
const LAST_VALUES = new Map<string, RegExp | readonly string[]>([
  ['decided', TIME],
  ['last_seen', TIME],
  ['repeat', ['rotation']],
  ['protection', ['overridden']],
  ['limit', ['256']],
  ['why', ['capacity']],
  // The methods sshd names in `Accepted <method> for` (auth2.c, auth-pam.c, Debian's gssapi-keyex), and the alert's own.
  [
    'method',
    'password publickey keyboard-interactive keyboard-interactive/pam keyboard-interactive/bsdauth hostbased gssapi-with-mic gssapi-keyex none unknown'.split(
      ' ',
    ),
  ],
]);

/**
 * Whether the line ends inside its last value, by the grammar (LAST_VALUES): the same rule for every verb and kind,
 * where the key's whole value is known.
 */
export function endsCut(record: VerdictRecord): boolean {
  const keys = Object.keys(record.fields);
  const key = keys[keys.length - 1];
  const whole = key === undefined ? undefined : LAST_VALUES.get(key);
  if (whole === undefined) return false;
  const value = record.fields[key!]!;
  if (whole instanceof RegExp) return !whole.test(value);
  return !whole.includes(value) && whole.some((w) => w.startsWith(value));
}

/** Reads one line of the verdict log; null for lines that are not verdicts (counted by the caller). */
export function readVerdictRecord(line: string): VerdictRecord | null {
  const parsed = parseVerdictLine(line);
  if (!parsed) return null;
  const kind = parsed.verb === 'ALERT' ? (parsed.fields.get('kind') ?? '') : '';
  const required = parsed.verb === 'ALERT' ? (ALERT_KEYS.get(kind) ?? ['kind', 'user']) : REQUIRED[parsed.verb];
  if (required.some((key) => !parsed.fields.has(key))) return null;
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
