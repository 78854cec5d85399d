import { CUT_MARK } from '../core/cut-text.js';
import type { Verdict, VerdictValue, VerdictVerb } from '../core/verdict.js';
import { isoTime } from './iso-time.js';

/**
 * The verdict line grammar (docs/verdict-line.md):
 *   <YYYY-MM-DDTHH:MM:SS.mmmZ> f2b-campaign[<pid>]: <VERB> key=value key=value ...
 * A value is bare when it is a plain token, else double-quoted with every byte outside printable ASCII, and
 * every `"` and `\`, escaped. So a line is always one line of printable ASCII, whatever an attacker sent.
 */
const KEY = /^[a-z][a-z0-9_]*$/;

export function escapeValue(value: VerdictValue): string {
  const text = String(value);
  if (isBare(text)) return text;
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/**
 * Whether a value prints bare: one or more of [A-Za-z0-9._:/+,@%-] (docs/verdict-line.md). A loop rather than that
 * regular expression: a line has half a dozen values to check and replay writes 100,000+ lines (a property test
 * holds the loop to the expression).
 */
export function isBare(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    // . _ : / + , @ % -
    if (!alnum && c !== 0x2e && c !== 0x5f && c !== 0x3a && c !== 0x2f && c !== 0x2b && c !== 0x2c && c !== 0x40) {
      if (c !== 0x25 && c !== 0x2d) return false;
    }
  }
  return true;
}

/** Longest value written for attacker text; the rest is cut and the cut is said (`…` is never ambiguous). */
const MAX_VALUE_BYTES = 256;

/**
 * ` key=` for each key that passed the KEY check, and the last value printed bare after it: verdicts use a few dozen
 * fixed identifiers, so each is checked, and its text made, once; and a key's values repeat (a campaign's id and
 * reason on each of its BANs, `match=open`), so a value equal to the last one is known bare without reading it again
 * a character at a time (that check was most of a line's formatting: replay writes 100,000+ lines).
 */
interface KeyText {
  readonly text: string;
  /** A string value that printed as itself after this key ('' before any: an empty value is never bare). */
  lastBare: string;
}
const keyTexts = new Map<string, KeyText>();
/** The last time formatted and its text: BANs come in bursts within one millisecond (replay writes 100k+ lines). */
let lastTime = Number.NaN;
let lastPid = Number.NaN;
let lastHead = '';

export function formatVerdictLine(verdict: Verdict, pid: number): string {
  if (verdict.time !== lastTime || pid !== lastPid) {
    lastHead = `${isoTime(verdict.time)} f2b-campaign[${pid}]: `;
    lastTime = verdict.time;
    lastPid = pid;
  }
  let line = lastHead + verdict.verb;
  const fields = verdict.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const key = keyTexts.get(field[0]) ?? keyText(field[0]);
    const value = field[1];
    line += key.text + (value === key.lastBare ? value : formatValueAfter(key, value));
  }
  return line;
}

function keyText(key: string): KeyText {
  if (!KEY.test(key)) throw new Error(`verdict key ${JSON.stringify(key)} is not an identifier`);
  const text = { text: ` ${key}=`, lastBare: '' };
  keyTexts.set(key, text);
  return text;
}

/** formatValue, remembering a string that prints as itself (bare, and not cut) as the key's last bare value. */
function formatValueAfter(key: KeyText, value: VerdictValue): string {
  const text = formatValue(value);
  if (typeof value === 'string' && text === value) key.lastBare = value;
  return text;
}

function formatValue(value: VerdictValue): string {
  // A number's text (digits, `.`, `-`, `e+`, NaN, Infinity) is always a bare value.
  if (typeof value === 'number') return String(value);
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so a short string cannot be over the limit: skip the count.
  if (typeof value === 'string' && value.length * 3 > MAX_VALUE_BYTES && Buffer.byteLength(value) > MAX_VALUE_BYTES) {
    const bytes = Buffer.from(value, 'utf8');
    // Not inside a character: its first bytes alone would print as U+FFFD, which is not what the client sent.
    let end = MAX_VALUE_BYTES;
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
    return escapeValue(`${bytes.subarray(0, end).toString('utf8')}${CUT_MARK}`);
  }
  return escapeValue(value);
}

export interface ParsedVerdictLine {
  readonly time: number;
  readonly verb: VerdictVerb;
  /** Unescaped values, keyed by field name, in line order. */
  readonly fields: ReadonlyMap<string, string>;
}

/** How every verdict line begins: its time and the writer's name. */
const STAMP = String.raw`(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) f2b-campaign\[\d+\]: `;
const HEAD = new RegExp(`^${STAMP}(BAN|ALERT|CAMPAIGN)((?: .*)?)$`);
const START = new RegExp(`^${STAMP}`);

/** Whether a line begins as verdict lines do (its time and the writer's name), whatever follows. */
export function beginsAsVerdictLine(line: string): boolean {
  return START.test(line);
}

/** Reads a verdict line back (the audit does); null for anything not of the grammar. */
export function parseVerdictLine(line: string): ParsedVerdictLine | null {
  const head = HEAD.exec(line);
  if (!head) return null;
  const fields = new Map<string, string>();
  const rest = head[3] ?? '';
  let i = 0;
  while (i < rest.length) {
    if (rest[i] !== ' ') return null;
    i++;
    const eq = rest.indexOf('=', i);
    if (eq < 0) return null;
    const key = rest.slice(i, eq);
    if (!KEY.test(key)) return null;
    i = eq + 1;
    if (rest[i] === '"') {
      const bytes: number[] = [];
      i++;
      for (;;) {
        const c = rest[i];
        if (c === undefined) return null;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\') {
          const n = rest[i + 1];
          if (n === 'x') {
            bytes.push(Number.parseInt(rest.slice(i + 2, i + 4), 16));
            i += 4;
          } else {
            bytes.push((n ?? '').charCodeAt(0));
            i += 2;
          }
        } else {
          bytes.push(c.charCodeAt(0));
          i++;
        }
      }
      fields.set(key, Buffer.from(bytes).toString('utf8'));
    } else {
      const end = rest.indexOf(' ', i);
      const stop = end < 0 ? rest.length : end;
      fields.set(key, rest.slice(i, stop));
      i = stop;
    }
  }
  return {
    time: Date.parse(head[1]!),
    verb: head[2] as VerdictVerb,
    fields,
  };
}

/**
 * How the service ends the part of a line a full disk tore that the last run left (docs/verdict-line.md), before
 * the verdict follows whole: a word with no `=`, so the part never parses as a verdict (the crash dedupe, the audit),
 * and after a space, so the bundled filter, which takes an address only when ` campaign=` and a non-space follow it,
 * matches the part exactly as it would without it.
 */
export const TORN_END = ' (torn)';

/** The key that keeps a verdict's own time on a line written later (docs/verdict-line.md). */
const DECIDED_KEY = 'decided';
/**
 * `decided=<time>` as the writer puts it, last. Looked for at the end only: ` decided=` can also stand inside a quoted
 * value (a username is the client's), which then passed for it, and the line lost the time it was decided. A bare
 * value holds no `=`, so a line that ends in this can end in nothing but the field.
 */
const DECIDED_FIELD = new RegExp(` ${DECIDED_KEY}=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$`);

/**
 * The line as written at `time`: its time is when it is written (fail2ban counts findtime and bantime from it), and
 * the time it was decided, when that differs, follows as `decided=` last (kept from an earlier stamp).
 */
export function restampVerdictLine(line: string, time: number): string {
  const stamp = isoTime(time);
  const old = line.slice(0, stamp.length);
  if (old === stamp || !HEAD.test(line)) return line;
  const rest = line.slice(old.length);
  return DECIDED_FIELD.test(rest) ? stamp + rest : `${stamp}${rest} ${DECIDED_KEY}=${old}`;
}
