import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Journald } from './journald.js';
import type { Netns } from './netns.js';
import type { ProcessSet, Started } from './processes.js';
import type { Syslog } from './syslog.js';
import type { TestUser } from './test-user.js';
import { waitFor } from './wait.js';

/** Where sshd listens inside the namespace: a non-standard port, so the jail's `port =` must really be set. */
export const SSHD_PORT = 2222;
export const SSHD_ADDRESS = '127.0.0.1';

/**
 * A real OpenSSH sshd in the namespace, with its own host key and config, Debian's LogLevel (INFO) and PAM, logging
 * through syslog(3) to the test's rsyslogd or journald. sshd always logs to /dev/log; it is started in a private
 * mount namespace whose /dev is a small tmpfs holding the few device nodes it needs (bound from the host's) and a
 * `log` symlink to the socket of the test's rsyslogd or journald. The host's /dev is never changed.
 */
export async function startSshd(options: {
  dir: string;
  netns: Netns;
  processes: ProcessSet;
  user: TestUser;
  log: Syslog | Journald;
}): Promise<Started> {
  const { dir, netns, processes, user } = options;
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey], { stdio: 'pipe' });
  const authorizedKeys = join(dir, 'authorized_keys');
  copyFileSync(user.publicKey, authorizedKeys);
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${SSHD_PORT}`,
      `ListenAddress ${SSHD_ADDRESS}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      // Debian's defaults, spelled out: INFO level to the AUTH facility, PAM on, passwords allowed.
      'LogLevel INFO',
      'SyslogFacility AUTH',
      'UsePAM yes',
      'KbdInteractiveAuthentication no',
      'PasswordAuthentication yes',
      `AuthorizedKeysFile ${authorizedKeys}`,
      // The key file lives under /tmp (world-writable): StrictModes would refuse the path.
      'StrictModes no',
      // Debian keeps 10:30:100; a compressed campaign has ~10 connections in pre-auth at once, and random early
      // drops would make the run non-deterministic (real campaigns are slower and never meet this limit).
      'MaxStartups 100:30:200',
      'PrintMotd no',
      '',
    ].join('\n'),
  );
  // sshd's privilege separation directory (created by the Debian unit at boot; not there when sshd never ran), which
  // even the config test requires: made first, or a machine where sshd never ran fails here.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  execFileSync('/usr/sbin/sshd', ['-t', '-f', config], { stdio: 'pipe' });
  const devDir = join(dir, 'dev');
  mkdirSync(devDir);
  const nodes = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];
  const script = [
    'set -e',
    `mount -t tmpfs -o mode=755 f2b-e2e-dev "${devDir}"`,
    ...nodes.map((n) => `touch "${devDir}/${n}" && mount --bind /dev/${n} "${devDir}/${n}"`),
    `ln -s "${options.log.socket}" "${devDir}/log"`,
    `mount --rbind "${devDir}" /dev`,
    `exec /usr/sbin/sshd -D -f "${config}"`,
  ].join('\n');
  const started = processes.start(
    'sshd',
    netns.wrap(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script]),
    join(dir, 'sshd.out'),
  );
  await waitFor(
    'sshd to log that it listens',
    () => options.log.text().includes(`Server listening on ${SSHD_ADDRESS} port ${SSHD_PORT}.`),
    { timeoutMs: 15_000, intervalMs: 250, process: started },
  );
  return started;
}

export function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
