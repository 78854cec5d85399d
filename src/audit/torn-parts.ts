import { beginsAsVerdictLine, TORN_END } from '../verdict/verdict-line.js';
import type { MemberVerdict } from './audit-report.js';
import { readVerdictRecord, type VerdictRecord } from './verdict-records.js';

/** One line of the verdict log as the audit reads it: a verdict, or the part of one a full disk tore, or neither. */
export interface ReadLine {
  /** The verdict the line holds, or the verdict its part names up to where it was cut (`torn`). */
  readonly record: VerdictRecord | null;
  /** The line is the part of one a full disk tore (docs/service.md, "Disk full / I/O error"). */
  readonly torn: boolean;
}

/**
 * Reads one line. A line the restart ended with TORN_END is a part; read without the mark, a BAN's still names its
 * verdict when cut after its required keys, and fail2ban may have banned from it. An ALERT's or a CAMPAIGN's part
 * did nothing: read as one, a marked ALERT cut inside its address was an alert of a bystander beside the whole one
 * (found in review). A line that begins as verdicts do but is not one (cut before a required key, or inside a quoted
 * value) is a part too; anything else is no verdict.
 */
export function readLine(line: string): ReadLine {
  if (line.endsWith(TORN_END)) {
    const record = readVerdictRecord(line.slice(0, -TORN_END.length));
    return { record: record?.verb === 'BAN' ? record : null, torn: true };
  }
  const record = readVerdictRecord(line);
  return { record, torn: record === null && beginsAsVerdictLine(line) };
}

/** The keys a BAN that has the one before always carries next (docs/verdict-line.md); the rest are optional. */
const ALWAYS_NEXT = new Set(['campaign', 'reason', 'match', 'attempts', 'probes']);

/**
 * Whether `part` is `whole` cut short: the same keys in the same order as far as it goes, the same values but the
 * last, which `whole`'s begins with, and something less. Two whole BAN lines of one address differ before that
 * (a return's `match=return`, its own reason and counts), or one is the other and an optional field more: a
 * compromise ban and the next of that address (after bantime), `protection=overridden` since its first login is a
 * recent success. So a line that ends where a field ends is a part only before a key every such BAN has next, or
 * when the restart marked it (`marked`): taken for a part, the first was no verdict, and its Ban answered the
 * second, whose own Ban was unexplained (found in review).
 */
export function isPartOf(part: VerdictRecord, whole: VerdictRecord, marked = false): boolean {
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
  if (cut.length < full.length) return true;
  return keys.length < wholeKeys.length && (marked || ALWAYS_NEXT.has(wholeKeys[keys.length]!));
}

/** A BAN verdict the audit took, where it went: its member's entry (none when filtered out), the --ip list. */
export interface TakenBan {
  readonly record: VerdictRecord;
  readonly entry: MemberVerdict | null;
  readonly members: MemberVerdict[] | null;
  /** Already counted as a part (it was marked). */
  readonly torn: boolean;
}

/**
 * How many recent BAN lines are kept to find the whole line of a part. The restart writes the whole soon after the
 * part, which was the last line the dead run wrote: after the lines the state owed and the verdicts before it that
 * the lines read again make again (dropped as written), so within a few BAN lines.
 */
const KEPT = 64;

/**
 * The last BAN lines by address, so that the whole line of a part, when it comes, takes its place: one verdict,
 * whose outcome is what fail2ban did with the part (it bans from a part that names the address whole). A part an
 * earlier version ended with a newline alone is known as one only then.
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

  /** The earlier BAN line `whole` is the whole of, forgotten here; null when none. */
  completedBy(whole: VerdictRecord): TakenBan | null {
    const ip = whole.fields['ip'];
    const earlier = ip === undefined ? undefined : this.recent.get(ip);
    if (earlier === undefined || !isPartOf(earlier.record, whole, earlier.torn)) return null;
    this.recent.delete(ip!);
    return earlier;
  }
}
