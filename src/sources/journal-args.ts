import { readFileSync } from 'node:fs';
import type { JournalSourceOptions } from './journal-source.js';

/**
 * What journalctl is asked for sshd's entries: the matches that choose them, and the arguments of the follower and of
 * the one-off query for the newest of them. The journal source (journal-source.ts) runs them.
 */

/** How journald received sshd's lines when sshd logs through syslog(3), as Debian's ssh.service has it. */
export const SSHD_TRANSPORT = 'syslog';

/** sshd's syslog identifiers: `sshd` up to OpenSSH 9.7, `sshd-session` and `sshd-auth` from 9.8 (Debian 13). */
export const SSHD_IDENTIFIERS = ['sshd', 'sshd-session', 'sshd-auth'] as const;

const MACHINE_ID = /^[0-9a-f]{32}$/;

/** /etc/machine-id, as journald stamps it in `_MACHINE_ID`; null when it is missing, empty or unreadable. */
export function localMachineId(path = '/etc/machine-id'): string | null {
  try {
    const id = readFileSync(path, 'utf8').trim();
    return MACHINE_ID.test(id) ? id : null;
  } catch {
    return null;
  }
}

/**
 * The journalctl arguments for a cursor: follow, JSON, sshd's identifiers only. A restart asks for `--cursor` (from
 * the entry read last on), not `--after-cursor`: journalctl 252 takes the latter as "skip one entry" from where the
 * cursor leads, and when journald has deleted the cursor's entry that one is the first entry still there, lost
 * without a word (test/sources/journal-source.journald.test.ts). The source drops the entry read last itself.
 * Without a cursor: from `since` (start_at = end: the source's own start, entries before it passed over), else the
 * whole journal; a restart from a point whose boot is known, from the cursor of that point (startCursor()). Not `--lines=0`: journalctl 252 with matches then skips the first matching entry when the journal
 * held none as it started (a new host): sshd's first line was lost (test/service/journal-restart.test.ts).
 */
export function journalArgs(
  options: Pick<JournalSourceOptions, 'cursor' | 'identifiers' | 'since' | 'machineId'> & { startCursor?: string },
): string[] {
  const args = ['--follow', '--output=json', '--no-pager', ...sshdEntries(options)];
  // --no-tail with a cursor: --follow alone means --lines=10, and journalctl 252 then sent ten entries from the
  // cursor and the rest only once the journal changed again (on a quiet host, sshd's next line).
  if (options.cursor !== null) args.push(`--cursor=${options.cursor}`, '--no-tail');
  else if (options.startCursor !== undefined) args.push(`--cursor=${options.startCursor}`, '--no-tail');
  else if (options.since !== undefined) args.push(`--since=@${Math.floor(options.since / 1000)}`);
  else args.push('--no-tail');
  return args;
}

/**
 * The journalctl arguments that ask once for the newest of the entries the follower reads (journalArgs): the same
 * matches, no --follow, the last entry only (`--lines=1`; journalctl 252 prints nothing, and exits 0, when none
 * matches).
 */
export function newestEntryArgs(options: Pick<JournalSourceOptions, 'identifiers' | 'machineId'>): string[] {
  return ['--output=json', '--no-pager', ...sshdEntries(options), '--lines=1'];
}

/** The matches that choose sshd's own entries, the follower's and newestEntryArgs' alike. */
function sshdEntries(options: Pick<JournalSourceOptions, 'identifiers' | 'machineId'>): string[] {
  const args: string[] = [];
  // `--follow` reads the current boot only (systemd >= 250), by the boot id journalctl reads in /proc. In a
  // container (systemd-nspawn), the unit's sandbox (ProtectKernelTunables, ProtectProc...) mounts a /proc of its
  // own, which shows the host's boot id, not the container's that journald stamps: journalctl then followed nothing,
  // silently (found by the booted package test). `--merge` lifts the boot filter, and `_MACHINE_ID` keeps what
  // --merge would add from other machines' journals (journal-remote, containers' linked journals) out.
  if (options.machineId) args.push('--merge', `_MACHINE_ID=${options.machineId}`);
  for (const id of options.identifiers ?? SSHD_IDENTIFIERS) args.push(`--identifier=${id}`);
  // sshd's syslog(3) lines only. An sshd writing to stderr (`-e`) escapes a client's text with VIS_SAFE, which
  // leaves newlines in: journald then splits a username into entries of their own, and one of them can be a whole
  // `Failed password ... from <anyone>` line. Such entries come with _TRANSPORT=stdout; they are not read.
  args.push(`_TRANSPORT=${SSHD_TRANSPORT}`);
  return args;
}
