import { AuditBuilder, type AuditFilters } from './audit-builder.js';
import type { AuditReport } from './audit-report.js';
import { Fail2banHistory } from './fail2ban-history.js';
import { type Fail2banEvent, readFail2banLine } from './fail2ban-log.js';
import { readRotatedLines } from './log-lines.js';
import { addMemberAttempts } from './member-attempts.js';
import { Progress } from './progress.js';
import { listRotated } from './rotated-files.js';
import { readVerdictRecord } from './verdict-records.js';

export interface AuditInput {
  /** The verdict log; its rotated siblings are read too. */
  readonly verdictLog: string;
  /** fail2ban's log; its rotated siblings are read too. A missing log leaves every ban "not covered". */
  readonly fail2banLog: string;
  /** The jail that reads the verdict log. */
  readonly jail: string;
  /** How long after a BAN verdict a fail2ban Ban still answers it (the jail's findtime). */
  readonly matchWindow: number;
  readonly filters: AuditFilters;
  /** sshd logs (each with its rotations) for the members' attempts and usernames; optional. */
  readonly authLogs?: readonly string[];
  readonly progress?: Progress;
  /** Report time (ms); the CLI passes the clock, tests a fixed value. */
  readonly now: number;
}

/** The longest ban the shipped jail gives (bantime.maxtime = 4w): older fail2ban lines cannot matter to --since. */
const MAX_BAN = 28 * 86_400_000;

/** Reads fail2ban's log, then the verdict log, and builds the report. */
export async function runAudit(input: AuditInput): Promise<AuditReport> {
  const progress = input.progress ?? new Progress(null);
  const since = input.filters.since;
  const onlyIp = input.filters.ip;
  const allF2b = listRotated(input.fail2banLog);
  // fail2ban files that ended long before --since cannot answer a later verdict, nor hold a ban still running then
  // (bantime.maxtime of the shipped jail is 4 weeks): skip them unread.
  const oldest = since === undefined ? undefined : since - input.matchWindow - MAX_BAN;
  const f2bFiles = allF2b.filter((f, i) => oldest === undefined || i === allF2b.length - 1 || f.mtime >= oldest);
  const events: Fail2banEvent[] = [];
  progress.start('reading fail2ban log', f2bFiles);
  for await (const line of readRotatedLines(f2bFiles, (i, b) => progress.update(i, b))) {
    const event = readFail2banLine(line);
    // With --ip, bans of other addresses answer nothing asked: pairing is per address.
    if (event && (onlyIp === undefined || event.ip === undefined || event.ip === onlyIp)) events.push(event);
  }
  // Rotated files are read oldest first, but a clock step can still disorder lines: sort (stable) by time.
  events.sort((a, b) => a.time - b.time);
  const history = new Fail2banHistory(events, input.jail, input.matchWindow);
  const builder = new AuditBuilder(history, input.filters);

  const all = listRotated(input.verdictLog);
  // A rotated file last written before --since holds nothing newer: skip it unread (the current file is always read).
  const verdictFiles = all.filter((f, i) => since === undefined || i === all.length - 1 || f.mtime >= since);
  let verdictLines = 0;
  let malformedLines = 0;
  progress.start('reading verdicts', verdictFiles);
  for await (const line of readRotatedLines(verdictFiles, (i, b) => progress.update(i, b))) {
    if (line.length === 0) continue;
    verdictLines++;
    const record = readVerdictRecord(line);
    if (record) builder.add(record);
    else malformedLines++;
  }
  const authFiles = (input.authLogs ?? []).flatMap((path) => listRotated(path));
  if (authFiles.length > 0) await addMemberAttempts(authFiles, builder.membersByIp(), progress);
  progress.done();
  return builder.finish(
    {
      verdictFiles: verdictFiles.map((f) => f.path),
      fail2banFiles: f2bFiles.map((f) => f.path),
      authFiles: authFiles.map((f) => f.path),
      verdictLines,
      malformedLines,
      fail2banEvents: events.length,
    },
    input.now,
  );
}
