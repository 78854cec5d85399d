import { F2bCampaignError } from '../core/errors.js';
import { decodeJournalLine } from '../sources/journal-entry.js';
import { loadExeca } from '../sources/load-execa.js';
import { type Fail2banEvent, readFail2banMessage } from './fail2ban-log.js';

/**
 * fail2ban-server's process name. The syslog identifier depends on fail2ban's logtarget (`fail2ban` for
 * SYSTEMD-JOURNAL, the logger name `fail2ban.actions` for SYSLOG, `fail2ban-server` for STDOUT under systemd); the
 * kernel-set `_COMM` is the same for all three.
 */
export const FAIL2BAN_COMM = 'fail2ban-server';
/**
 * fail2ban runs as root (Debian's unit). `_COMM` is only a process name, which any local user can give a process
 * (prctl PR_SET_NAME): without the uid, which journald records itself, a local user could log `[f2b-campaign] Ban`
 * lines the audit would take for fail2ban's. A fail2ban run as another user is audited from its fail2ban.log.
 */
export const FAIL2BAN_UID = '0';

/** The journalctl arguments for fail2ban's entries between two times (ms), whole seconds widened outwards. */
export function fail2banJournalArgs(range: { since?: number; until?: number }): string[] {
  // --no-tail: without -f the real journalctl prints everything anyway; it makes the intent explicit.
  const args = ['--output=json', '--no-pager', '--no-tail', `_COMM=${FAIL2BAN_COMM}`, `_UID=${FAIL2BAN_UID}`];
  if (range.since !== undefined) args.push(`--since=@${Math.floor(range.since / 1000)}`);
  if (range.until !== undefined) args.push(`--until=@${Math.ceil(range.until / 1000)}`);
  return args;
}

/**
 * What precedes fail2ban's message when it did not log to the journal natively: the level (`NOTICE [jail] Ban ...`,
 * logtarget SYSLOG through journald's /dev/log) or a whole file-format line (logtarget STDOUT/STDERR under systemd).
 * The journal's own timestamp is used in every case: it is UTC, so no time zone question arises.
 */
const PREFIX = /^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} )?(?:fail2ban\.[\w.]+\s*\[\d+\]: )?(?:[A-Z]+\s+(?=[[A-Z]))?/;

/** Turns one `journalctl -o json` line into the event the same line in fail2ban.log would give; null if none. */
export function readFail2banJournalLine(line: string): Fail2banEvent | null {
  const entry = decodeJournalLine(line);
  if (!entry) return null;
  const text = entry.message.message;
  return readFail2banMessage(entry.message.time, text.slice(PREFIX.exec(text)?.[0].length ?? 0));
}

/** Streamed (never buffered), never rejected (the exit is checked after the last line), killed with us. */
const EXEC_OPTIONS = { buffer: false, stdin: 'ignore', reject: false, cleanup: true } as const;

/**
 * Streams fail2ban's events out of the journal, in journal order (time order), one JSON line at a time: memory
 * stays at one chunk however long the history. A journalctl that cannot run or exits with an error throws
 * `fail2ban-journal` after its output was read.
 */
export async function* readFail2banJournal(
  command: string,
  args: readonly string[],
  onEntry?: (entries: number) => void,
  onWarning?: (text: string) => void,
): AsyncGenerator<Fail2banEvent> {
  const execa = await loadExeca();
  const child = execa(command, args, EXEC_OPTIONS);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  let entries = 0;
  let carry = '';
  try {
    if (child.stdout) {
      child.stdout.setEncoding('utf8');
      for await (const chunk of child.stdout as AsyncIterable<string>) {
        const parts = (carry + chunk).split('\n');
        carry = parts.pop() ?? '';
        for (const line of parts) {
          entries++;
          const event = readFail2banJournalLine(line);
          if (event) yield event;
        }
        onEntry?.(entries);
      }
    }
    const last = readFail2banJournalLine(carry);
    if (last) yield last;
  } finally {
    // The consumer stopped early (or failed): do not leave journalctl writing into a pipe nobody reads.
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  const result = await child;
  // journalctl exits 1 when a match finds nothing in some versions (`-- No entries --`): that is an empty history.
  if (result.failed && !/No entries/.test(stderr)) {
    const how = result.exitCode === undefined ? result.shortMessage : `exit code ${result.exitCode}`;
    throw new F2bCampaignError(
      'fail2ban-journal',
      `reading fail2ban's journal failed: ${command} ${args.join(' ')}: ${how}${stderr.trim() ? `: ${stderr.trim()}` : ''}`,
    );
  }
  // A user outside systemd-journal/adm gets only their own entries and a hint on stderr, with exit 0: pass it on,
  // or every ban would look "never banned" with no explanation.
  if (stderr.trim() !== '' && !/No entries/.test(stderr)) onWarning?.(stderr.trim());
}
