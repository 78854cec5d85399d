import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessSet, Started } from './processes.js';
import { waitFor } from './wait.js';

/**
 * A private rsyslogd, so sshd's lines reach the test exactly as they reach /var/log/auth.log on Debian 12:
 * sshd and its PAM modules call syslog(3), rsyslogd writes them with its default RFC 3339 file format
 * (`2025-05-20T14:03:07.412345+00:00 host sshd[812]: ...`). It listens on a socket in the test's directory, not on
 * /dev/log; sshd is given that socket as its /dev/log in a private mount namespace (see sshd.ts).
 *
 * Why not `sshd -E FILE`: -E writes bare messages, with no time and no pid, which neither fail2ban (it needs a
 * date on each line) nor any auth.log reader can use, and it leaves out the PAM lines a real auth.log has.
 */
export interface Syslog {
  readonly socket: string;
  readonly authLog: string;
  /** The same messages as `journalctl -o json` prints them (see JOURNAL_TEMPLATE). */
  readonly journalJson: string;
  readonly process: Started;
}

/**
 * sshd's messages as journald would hold them, one `journalctl -o json` line each: the fields f2b-campaign's journal
 * source reads (__CURSOR, __REALTIME_TIMESTAMP in microseconds, SYSLOG_IDENTIFIER, SYSLOG_PID/_PID, _HOSTNAME,
 * MESSAGE) plus the usual others. The cursor is a per-message UUID: opaque and unique, as journald's are. rsyslog's
 * msg property keeps the space after `sshd[pid]:`, which journald strips: the regex drops it.
 */
const JOURNAL_TEMPLATE = [
  'template(name="F2bE2eJournal" type="list" option.json="on") {',
  '  constant(value="{\\"__CURSOR\\":\\"s=f2be2e;i=")',
  '  property(name="uuid")',
  '  constant(value="\\",\\"__REALTIME_TIMESTAMP\\":\\"")',
  '  property(name="timegenerated" dateFormat="unixtimestamp")',
  '  property(name="timegenerated" dateFormat="subseconds")',
  '  constant(value="\\",\\"_HOSTNAME\\":\\"")',
  '  property(name="hostname")',
  '  constant(value="\\",\\"SYSLOG_FACILITY\\":\\"")',
  '  property(name="syslogfacility")',
  '  constant(value="\\",\\"PRIORITY\\":\\"")',
  '  property(name="syslogseverity")',
  '  constant(value="\\",\\"SYSLOG_IDENTIFIER\\":\\"")',
  '  property(name="programname")',
  '  constant(value="\\",\\"SYSLOG_PID\\":\\"")',
  '  property(name="procid")',
  '  constant(value="\\",\\"_PID\\":\\"")',
  '  property(name="procid")',
  '  constant(value="\\",\\"_COMM\\":\\"sshd\\",\\"_TRANSPORT\\":\\"syslog\\",\\"_SYSTEMD_UNIT\\":\\"ssh.service\\",\\"MESSAGE\\":\\"")',
  '  property(name="msg" regex.type="ERE" regex.expression="^ ?(.*)$" regex.submatch="1" droplastlf="on")',
  '  constant(value="\\"}\\n")',
  '}',
];

export async function startSyslog(dir: string, processes: ProcessSet): Promise<Syslog> {
  const socket = join(dir, 'syslog.sock');
  const authLog = join(dir, 'auth.log');
  const journalJson = join(dir, 'journal.json');
  const conf = join(dir, 'rsyslog.conf');
  await writeFile(
    conf,
    [
      `global(workDirectory="${dir}")`,
      // No /dev/log, no kernel log: only the test's own socket.
      'module(load="imuxsock" SysSock.Use="off")',
      `input(type="imuxsock" Socket="${socket}" CreatePath="on")`,
      // Debian's rule for auth.log, with the file format Debian 12's rsyslog uses by default.
      `auth,authpriv.* action(type="omfile" file="${authLog}" template="RSYSLOG_FileFormat")`,
      ...JOURNAL_TEMPLATE,
      `auth,authpriv.* action(type="omfile" file="${journalJson}" template="F2bE2eJournal")`,
      '',
    ].join('\n'),
  );
  const started = processes.start(
    'rsyslogd',
    ['rsyslogd', '-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')],
    join(dir, 'rsyslogd.out'),
  );
  await waitFor('rsyslogd to create its socket', () => existsSync(socket), { timeoutMs: 10_000, process: started });
  return { socket, authLog, journalJson, process: started };
}
