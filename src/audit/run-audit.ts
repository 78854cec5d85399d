import { canonicalAddress } from './address-form.js';
import { AuditBuilder, type AuditFilters } from './audit-builder.js';
import type { AuditReport } from './audit-report.js';
import { Fail2banHistory } from './fail2ban-history.js';
import { fail2banJournalArgs, readFail2banJournal } from './fail2ban-journal.js';
import { type Fail2banEvent, readFail2banLine } from './fail2ban-log.js';
import { FileHeads } from './leading-copies.js';
import { readRotatedLines } from './log-lines.js';
import { addMemberAttempts } from './member-attempts.js';
import { PartContext } from './part-context.js';
import { Progress } from './progress.js';
import { listRotated } from './rotated-files.js';
import { readLine } from './torn-parts.js';

export interface AuditInput {
  /** The verdict log; its rotated siblings are read too. */
  readonly verdictLog: string;
  /** fail2ban's log; its rotated siblings are read too. A missing log leaves every ban "not covered". */
  readonly fail2banLog: string;
  /** Read fail2ban's history from the journal through this journalctl program instead of `fail2banLog`. */
  readonly fail2banJournal?: string;
  /** The jail that reads the verdict log. */
  readonly jail: string;
  /** How long after a BAN verdict a fail2ban Ban still answers it (the jail's findtime). */
  readonly matchWindow: number;
  readonly filters: AuditFilters;
  /** sshd logs (each with its rotations) for the members' attempts and usernames; optional. */
  readonly authLogs?: readonly string[];
  readonly progress?: Progress;
  /** What journalctl said on stderr although it succeeded (typically: not allowed to see the system journal). */
  readonly warn?: (text: string) => void;
  /** Report time (ms); the CLI passes the clock, tests a fixed value. */
  readonly now: number;
}

/** The longest ban the shipped jail gives (bantime.maxtime = 4w): older fail2ban lines cannot matter to --since. */
const MAX_BAN = 28 * 86_400_000;

/** Reads fail2ban's log, then the verdict log, and builds the report. */
export async function runAudit(input: AuditInput): Promise<AuditReport> {
  const progress = input.progress ?? new Progress(null);
  // Verdicts and fail2ban write addresses in one canonical form: `--ip 2001:DB8:0::1` or `::ffff:192.0.2.1` must
  // find `2001:db8::1` and `192.0.2.1`, not an empty report.
  const filters: AuditFilters =
    input.filters.ip === undefined ? input.filters : { ...input.filters, ip: canonicalAddress(input.filters.ip) };
  const since = filters.since;
  const onlyIp = filters.ip;
  // fail2ban lines that ended long before --since cannot answer a later verdict, nor hold a ban still running then
  // (bantime.maxtime of the shipped jail is 4 weeks): skip them unread.
  const oldest = since === undefined ? undefined : since - input.matchWindow - MAX_BAN;
  const events: Fail2banEvent[] = [];
  // The earliest fail2ban event of any address: what the log covers does not depend on --ip.
  let first: number | null = null;
  // Every address's, with --ip too: the report says how many events the log holds (found in review: with --ip, the
  // address's alone, as if the log held no others).
  let read = 0;
  // With --ip, bans of other addresses answer nothing asked: pairing is per address.
  const keep = (event: Fail2banEvent | null): event is Fail2banEvent => {
    if (event === null) return false;
    read++;
    if (first === null || event.time < first) first = event.time;
    return onlyIp === undefined || event.ip === undefined || event.ip === onlyIp;
  };
  let f2bFiles: ReturnType<typeof listRotated> = [];
  let journalCommand: string | null = null;
  if (input.fail2banJournal !== undefined) {
    // The journal is indexed by time: ask it for the same span the rotated files would be cut to, plus the match
    // window after --until (a verdict at --until is answered up to that much later).
    const until = filters.until === undefined ? undefined : filters.until + input.matchWindow;
    const args = fail2banJournalArgs({
      ...(oldest === undefined ? {} : { since: oldest }),
      ...(until === undefined ? {} : { until }),
    });
    journalCommand = [input.fail2banJournal, ...args].join(' ');
    const onEntries = (n: number) => progress.count('reading fail2ban journal', n);
    for await (const event of readFail2banJournal(input.fail2banJournal, args, onEntries, input.warn))
      if (keep(event)) events.push(event);
  } else {
    const allF2b = listRotated(input.fail2banLog);
    f2bFiles = allF2b.filter((f, i) => oldest === undefined || i === allF2b.length - 1 || f.mtime >= oldest);
    progress.start('reading fail2ban log', f2bFiles);
    // The time of the line before, across rotations: it tells which of the two hours a stamp is when DST ends.
    let previous = Number.NEGATIVE_INFINITY;
    for await (const line of readRotatedLines(f2bFiles, (i, b) => progress.update(i, b))) {
      const event = readFail2banLine(line, previous);
      if (event !== null && event.time > previous) previous = event.time;
      if (keep(event)) events.push(event);
    }
  }
  // Rotated files are read oldest first, but a clock step can still disorder lines: sort (stable) by time.
  events.sort((a, b) => a.time - b.time);
  const history = new Fail2banHistory(events, input.jail, input.matchWindow, first);
  const builder = new AuditBuilder(history, filters);

  const all = listRotated(input.verdictLog);
  // A rotated file last written before --since holds nothing newer: skip it unread (the current file is always read).
  const verdictFiles = all.filter((f, i) => since === undefined || i === all.length - 1 || f.mtime >= since);
  let verdictLines = 0;
  let malformedLines = 0;
  let tornLines = 0;
  progress.start('reading verdicts', verdictFiles);
  const end = { ended: true };
  const context = new PartContext();
  // Each file's leading copies are known before the file before it is read: their lines are kept when read there.
  const heads = new FileHeads(verdictFiles);
  for (let i = 0; i < verdictFiles.length; i++) {
    if (!(await heads.of(i)).lines) continue;
    context.nextFile(await heads.after(i));
    for await (const line of readRotatedLines([verdictFiles[i]!], (_, b) => progress.update(i, b), end)) {
      if (line.length === 0) continue;
      verdictLines++;
      const { record, torn, fromCopy } = context.read(line, readLine(line, end.ended));
      if (torn) tornLines++;
      if (record) builder.add(record, torn, fromCopy);
      else if (!torn) malformedLines++;
    }
  }
  // Parts an earlier version ended with a newline alone where a field ends read as verdicts until their whole line came.
  tornLines += builder.partsFound;
  const authLogs = (input.authLogs ?? []).map((path) => listRotated(path));
  const authFiles = authLogs.flat();
  if (authFiles.length > 0) await addMemberAttempts(authLogs, builder.membersByIp(), progress);
  progress.done();
  return builder.finish(
    {
      verdictFiles: verdictFiles.map((f) => f.path),
      fail2banFiles: f2bFiles.map((f) => f.path),
      fail2banJournal: journalCommand,
      authFiles: authFiles.map((f) => f.path),
      verdictLines,
      malformedLines,
      tornLines,
      tornVerdicts: builder.tornVerdicts,
      copyVerdicts: context.copyVerdicts,
      fail2banEvents: read,
    },
    input.now,
  );
}
