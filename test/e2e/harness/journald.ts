import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessSet, Started } from './processes.js';
import type { Syslog } from './syslog.js';
import { waitFor } from './wait.js';

/** Where Debian installs journald (systemd 252); it runs here without systemd as PID 1. */
const JOURNALD = '/lib/systemd/systemd-journald';

/**
 * A private systemd-journald, so sshd's lines reach the test as they reach the journal of a Debian 12 machine
 * without rsyslog: sshd and its PAM modules call syslog(3), journald stores them (`_TRANSPORT=syslog`), and
 * fail2ban (`backend = systemd`) and f2b-campaign (`journalctl --follow --output=json`) read the journal.
 *
 * journald needs no systemd as PID 1: without the sockets systemd would hand it, it binds its own. It runs in a
 * private mount namespace whose /run is a fresh tmpfs, with the test's directories bound where journald keeps its
 * sockets (/run/systemd/journal) and its files (/run/log/journal, `Storage=volatile`), so the host's journal and
 * /run are never touched. The sockets are files of the test's directory: sshd's /dev/log points at `dev-log` there
 * (sshd.ts). The programs that read the journal run in a namespace of their own that shows the test's files as
 * /run/log/journal (`view`), so journalctl and fail2ban find it where they find the system's.
 */
export interface Journald {
  readonly kind: 'journald';
  /** journald's syslog socket, which sshd's /dev/log points to. */
  readonly socket: string;
  /** The journal's files (a directory per machine id, as in /run/log/journal). */
  readonly directory: string;
  readonly process: Started;
  /** The argv that runs `argv` seeing the test's journal as the system's (it execs: the pid is the program's). */
  view(argv: readonly string[]): string[];
  /** sshd's entries as rsyslog writes them to auth.log (`<RFC 3339 time> <host> sshd[<pid>]: <message>`). */
  text(): string;
}

/**
 * `bootId`: the boot id journald stamps (`_BOOT_ID`, 32 hex digits), as if the machine had booted another time; its
 * /proc/sys/kernel/random/boot_id is bound to a file holding it. A journald started again on the same `dir` (after
 * the first stopped) adds to the same journal, as after a reboot.
 */
export async function startJournald(
  dir: string,
  processes: ProcessSet,
  options: { bootId?: string } = {},
): Promise<Journald> {
  const sockets = join(dir, 'journald-run');
  const directory = join(dir, 'journal');
  mkdirSync(sockets, { recursive: true });
  mkdirSync(directory, { recursive: true });
  rmSync(join(sockets, 'dev-log'), { force: true });
  const bootIdFile = join(dir, 'boot_id');
  const { bootId } = options;
  if (bootId !== undefined) {
    await writeFile(bootIdFile, `${bootId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')}\n`);
  }
  const script = join(dir, 'journald.sh');
  await writeFile(
    script,
    [
      'set -e',
      'mount -t tmpfs -o mode=755 f2b-e2e-run /run',
      'mkdir -p /run/systemd/journal /run/systemd/journald.conf.d /run/log/journal',
      `mount --bind "${sockets}" /run/systemd/journal`,
      `mount --bind "${directory}" /run/log/journal`,
      // Never the host's /var/log/journal, even where it exists: the journal stays in the test's directory.
      ...(bootId === undefined ? [] : [`mount --bind "${bootIdFile}" /proc/sys/kernel/random/boot_id`]),
      "printf '[Journal]\\nStorage=volatile\\n' > /run/systemd/journald.conf.d/f2b-e2e.conf",
      `exec ${JOURNALD}`,
      '',
    ].join('\n'),
  );
  const started = processes.start(
    'systemd-journald',
    ['unshare', '--mount', '--propagation', 'private', 'sh', script],
    join(dir, 'journald.out'),
  );
  const socket = join(sockets, 'dev-log');
  await waitFor('journald to create its syslog socket', () => existsSync(socket), {
    timeoutMs: 10_000,
    process: started,
  });
  const viewScript = join(dir, 'journal-view.sh');
  await writeFile(
    viewScript,
    [
      'set -e',
      'mount -t tmpfs -o mode=755 f2b-e2e-journal-view /run',
      'mkdir -p /run/log/journal',
      `mount --bind "${directory}" /run/log/journal`,
      'if [ -d /var/log/journal ]; then mount -t tmpfs -o mode=755 f2b-e2e-no-journal /var/log/journal; fi',
      'exec "$@"',
      '',
    ].join('\n'),
  );
  return {
    kind: 'journald',
    socket,
    directory,
    process: started,
    view: (argv) => ['unshare', '--mount', '--propagation', 'private', 'sh', viewScript, ...argv],
    text: () => sshdText(directory),
  };
}

/** `argv` as it runs to read sshd's log: in the journal's view when sshd logs to journald. */
export function readingJournal(log: Syslog | Journald, argv: readonly string[]): string[] {
  return log.kind === 'journald' ? log.view(argv) : [...argv];
}

interface Entry {
  readonly __REALTIME_TIMESTAMP?: string;
  readonly _HOSTNAME?: string;
  readonly SYSLOG_IDENTIFIER?: string;
  readonly _PID?: string;
  readonly MESSAGE?: unknown;
}

/** The journal's sshd entries, read with the real journalctl, in rsyslog's file format (RSYSLOG_FileFormat). */
function sshdText(directory: string): string {
  const json = execFileSync(
    'journalctl',
    ['--directory', directory, '--output=json', '--no-pager', '--quiet', '--identifier=sshd'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 },
  );
  const lines: string[] = [];
  for (const text of json.split('\n')) {
    if (text.trim() === '') continue;
    const entry = JSON.parse(text) as Entry;
    if (typeof entry.MESSAGE !== 'string' || entry.__REALTIME_TIMESTAMP === undefined) continue;
    const micros = BigInt(entry.__REALTIME_TIMESTAMP);
    const time = new Date(Number(micros / 1000n)).toISOString().replace(/\.\d+Z$/, '');
    const fraction = String(micros % 1_000_000n).padStart(6, '0');
    lines.push(
      `${time}.${fraction}+00:00 ${entry._HOSTNAME} ${entry.SYSLOG_IDENTIFIER}[${entry._PID}]: ${entry.MESSAGE}`,
    );
  }
  return lines.join('\n');
}
