import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Every program the e2e run starts, with the Debian package that provides it. */
const PROGRAMS: ReadonlyArray<readonly [program: string, pkg: string]> = [
  ['ip', 'iproute2'],
  ['nft', 'nftables'],
  ['unshare', 'util-linux'],
  ['mount', 'mount'],
  ['sshd', 'openssh-server'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
  ['sshpass', 'sshpass'],
  ['fail2ban-server', 'fail2ban'],
  ['fail2ban-client', 'fail2ban'],
  ['rsyslogd', 'rsyslog'],
  ['journalctl', 'systemd'],
  ['useradd', 'passwd'],
  ['userdel', 'passwd'],
  ['chpasswd', 'passwd'],
  ['getent', 'libc-bin'],
];

/** Files off PATH the journal variant needs: journald itself, and the module of fail2ban's `backend = systemd`. */
const FILES: ReadonlyArray<readonly [path: string, pkg: string]> = [
  ['/lib/systemd/systemd-journald', 'systemd'],
  ['/usr/lib/python3/dist-packages/systemd/journal.py', 'python3-systemd'],
];

/** Root's sbin directories are not on every PATH (su without -, some CI runners). */
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks, before anything is created, that the run can work at all: root, and every program present. Puts the sbin
 * directories on PATH when they are missing from it. Throws one message naming everything that is missing, with the
 * packages to install, so a machine without them fails clearly instead of half-way.
 */
export function preflight(): void {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('not running as root (network namespaces, nftables and useradd need it)');
  const path = (process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  const extra = SBIN.filter((dir) => !path.includes(dir));
  if (extra.length > 0) process.env['PATH'] = [...path, ...extra].join(delimiter);
  const dirs = [...path, ...extra];
  const missing = [
    ...PROGRAMS.filter(([program]) => !dirs.some((dir) => executable(join(dir, program)))),
    ...FILES.filter(([path]) => !existsSync(path)),
  ];
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    problems.push(`missing ${missing.map(([p]) => p).join(', ')} (apt-get install ${packages})`);
  }
  if (problems.length > 0) {
    throw new Error(
      `e2e: this machine cannot run the end-to-end test: ${problems.join('; ')}. It fails rather than skips.`,
    );
  }
}
