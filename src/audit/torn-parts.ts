import { beginsAsVerdictLine, TORN_END } from '../verdict/verdict-line.js';
import type { MemberVerdict } from './audit-report.js';
import type { BanOutcome } from './fail2ban-history.js';
import { endsCut, readVerdictRecord, type VerdictRecord } from './verdict-records.js';

/** One line of the verdict log as the audit reads it: a verdict, or the part of one a full disk tore, or neither. */
export interface ReadLine {
  /** The verdict the line holds, or the BAN verdict its part names up to where it was cut (`torn`). */
  readonly record: VerdictRecord | null;
  /** The line is the part of one a full disk tore (docs/service.md, "Disk full / I/O error"). */
  readonly torn: boolean;
  /** A `repeat=rotation` copy whose line was not read before it (part-context.ts): it stands for its verdict. */
  readonly fromCopy?: boolean;
}

/**
 * Reads one line; `ended`: a newline ended it (false for the last line of a file that ends mid-line). A part is a line
 * the restart ended with TORN_END, one no newline ended, one whose last value the grammar says is cut short (endsCut:
 * `method=pass`, `limit=25`, `decided=2026-02-1`; an earlier version ended its parts with a newline alone), or a BAN
 * without a key every such BAN carries. A BAN's part cut after its required keys still names its verdict, and fail2ban
 * may have banned from it. An ALERT's or a CAMPAIGN's part did nothing: read as one, a marked ALERT cut inside its
 * address was an alert of a bystander beside the whole one, and a compromise ALERT cut inside `method=password` a
 * second alert of its login (both found in review). A line that begins as verdicts do but is not one (cut before a
 * required key, or inside a quoted value) is a part too; anything else is no verdict.
 */
export function readLine(line: string, ended = true): ReadLine {
  const marked = line.endsWith(TORN_END);
  const record = readVerdictRecord(marked ? line.slice(0, -TORN_END.length) : line);
  if (record === null) return { record: null, torn: marked || beginsAsVerdictLine(line) };
  if (marked || !ended || endsCut(record) || (record.verb === 'BAN' && !carriesEveryKey(record))) {
    return { record: record.verb === 'BAN' ? record : null, torn: true };
  }
  return { record, torn: false };
}

/** The reasons of a compromise ban, which has no `match`, `attempts` or `probes` (docs/verdict-line.md). */
const COMPROMISE_REASONS = new Set(['compromise+member', 'compromise+fingerprint']);
/** What every BAN of the campaign detector carries after its reason, since the first version. */
const DETECTOR_KEYS = ['match', 'attempts', 'probes'];

/**
 * Whether a BAN has every key such a BAN carries: a compromise ban's whole reason, or the detector's `match`,
 * `attempts` and `probes`. One that lacks one was cut: `... reason=dict` on a line of its own, with no line of its
 * address after it, was a verdict (found in review).
 */
function carriesEveryKey(record: VerdictRecord): boolean {
  const fields = record.fields;
  if (fields['match'] === undefined) return COMPROMISE_REASONS.has(fields['reason'] ?? '');
  return DETECTOR_KEYS.every((key) => (fields[key] ?? '') !== '');
}

/**
 * Whether `whole` may be `part` whole, by their text: the same keys in the same order as far as `part` goes, the same
 * values but the last, which `whole`'s begins with. A part known from itself (`known`, readLine) may end anywhere. A
 * line that looks whole (newline-ended, every key) is a part only of a line with keys more: one whose last value only
 * goes on is another verdict (`probes=1`, then `probes=12`, were merged: found in review); and then only on fail2ban's
 * word (sameVerdict).
 */
export function isPartOf(part: VerdictRecord, whole: VerdictRecord, known = false): boolean {
  if (part.verb !== whole.verb || part.time > whole.time) return false;
  const keys = Object.keys(part.fields);
  const wholeKeys = Object.keys(whole.fields);
  const last = keys.length - 1;
  if (last < 0 || keys.length > wholeKeys.length) return false;
  for (let i = 0; i < last; i++) {
    if (keys[i] !== wholeKeys[i] || part.fields[keys[i]!] !== whole.fields[keys[i]!]) return false;
  }
  const [cut, full] = [part.fields[keys[last]!]!, whole.fields[wholeKeys[last]!]];
  if (keys[last] !== wholeKeys[last] || full === undefined || !full.startsWith(cut)) return false;
  return known || keys.length < wholeKeys.length;
}

/** A BAN line the audit took, where it went: its member's entry (none when it stands for no verdict), the --ip list. */
export interface TakenBan {
  readonly record: VerdictRecord;
  /** What fail2ban did with the line (null when not reconciled: --ip of another address). */
  readonly outcome: BanOutcome | null;
  readonly entry: MemberVerdict | null;
  readonly members: MemberVerdict[] | null;
  /** Known as a part from itself (readLine), and counted as such already. */
  readonly torn: boolean;
}

/**
 * Whether fail2ban's log lets a later line `isPartOf` allows be the whole of `part`, given what fail2ban did with that
 * line by itself (`own`): one verdict has one Ban. A part known from itself is one with it unless fail2ban banned from
 * each (a later verdict, its part's own whole lost). A line that looks whole is one with it only when fail2ban banned
 * from it and found the later one already banned by that Ban: a compromise ban and the next of its address after
 * bantime, `protection=overridden`, are two verdicts, each with its Ban (found in review); an earlier version's part
 * cut before `protection=` or `held=`, ended at the restart, was banned from, and its whole was "already banned".
 */
export function sameVerdict(part: TakenBan, own: BanOutcome | null): boolean {
  const ban = part.outcome?.status === 'banned' ? part.outcome.at : null;
  if (part.torn) return ban === null || own?.status !== 'banned';
  return ban !== null && own?.status === 'already-banned' && own.since === ban;
}

/**
 * How many recent BAN lines are kept to find the whole line of a part. The restart writes the whole soon after the
 * part, which was the last line the dead run wrote: after the lines the state owed and the verdicts before it that
 * the lines read again make again (dropped as written), so within a few BAN lines.
 */
const KEPT = 64;

/**
 * The last BAN lines by address, so that the whole line of a part, when it comes, takes its place: one verdict,
 * whose outcome is what fail2ban did with the part (it bans from a part that names the address whole).
 */
export class RecentParts {
  private readonly recent = new Map<string, TakenBan>();

  /** Remembers a BAN line the audit took. */
  taken(ban: TakenBan): void {
    const ip = ban.record.fields['ip']!;
    this.recent.delete(ip);
    this.recent.set(ip, ban);
    if (this.recent.size > KEPT) this.recent.delete(this.recent.keys().next().value!);
  }

  /** The earlier BAN line of its address `whole` may be the whole of (isPartOf), or null. */
  partFor(whole: VerdictRecord): TakenBan | null {
    const ip = whole.fields['ip'];
    const earlier = ip === undefined ? undefined : this.recent.get(ip);
    return earlier !== undefined && isPartOf(earlier.record, whole, earlier.torn) ? earlier : null;
  }

  /** Forgets a part whose whole line came. */
  completed(part: TakenBan): void {
    this.recent.delete(part.record.fields['ip']!);
  }
}
