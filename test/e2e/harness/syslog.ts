import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessSet, Started } from './processes.js';
import { readOrEmpty } from './sshd.js';
import { waitFor } from './wait.js';

/**
 * A private rsyslogd, so sshd's lines reach the test exactly as they reach /var/log/auth.log on Debian 12:
 * sshd and its PAM modules call syslog(3), rsyslogd writes them with its default RFC 3339 file format
 * (`2025-05-20T14:03:07.412345+00:00 host sshd[812]: ...`). It listens on a socket in the test's directory, not on
 * /dev/log; sshd is given that socket as its /dev/log in a private mount namespace (see sshd.ts).
 *
 * (The journal variant logs through journald instead: journald.ts.)
 *
 * Why not `sshd -E FILE`: -E writes bare messages, with no time and no pid, which neither fail2ban (it needs a
 * date on each line) nor any auth.log reader can use, and it leaves out the PAM lines a real auth.log has.
 */
export interface Syslog {
  readonly kind: 'rsyslog';
  /** rsyslogd's socket, which sshd's /dev/log points to. */
  readonly socket: string;
  readonly authLog: string;
  readonly process: Started;
  /** The auth.log as rsyslogd has written it so far. */
  text(): string;
}

export async function startSyslog(dir: string, processes: ProcessSet): Promise<Syslog> {
  const socket = join(dir, 'syslog.sock');
  const authLog = join(dir, 'auth.log');
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
      '',
    ].join('\n'),
  );
  const started = processes.start(
    'rsyslogd',
    ['rsyslogd', '-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')],
    join(dir, 'rsyslogd.out'),
  );
  await waitFor('rsyslogd to create its socket', () => existsSync(socket), { timeoutMs: 10_000, process: started });
  return { kind: 'rsyslog', socket, authLog, process: started, text: () => readOrEmpty(authLog) };
}
