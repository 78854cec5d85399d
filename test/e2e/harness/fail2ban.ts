import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installBundledFail2ban } from '../../helpers/fail2ban-config.js';
import type { AddressBlock } from './campaign-plan.js';
import { type Journald, readingJournal } from './journald.js';
import type { Netns } from './netns.js';
import type { ProcessSet, Started } from './processes.js';
import { SSHD_PORT } from './sshd.js';
import type { Syslog } from './syslog.js';
import { waitFor } from './wait.js';

export interface Fail2ban {
  readonly socket: string;
  readonly log: string;
  readonly process: Started;
  /** `fail2ban-client get <jail> banned`, parsed. */
  banned(jail: string): string[];
  /** The addresses in the jail's nftables set inside the namespace: what the kernel really drops. */
  nftSet(jail: string): string[];
}

/**
 * A real fail2ban-server in the foreground, inside the namespace (so `banaction = nftables` changes only the
 * namespace's ruleset), with its own socket, pidfile, database and log. Its configuration is Debian's installed
 * one (jail.conf, action.d, filter.d, paths-debian.conf) plus, as an admin would add them:
 * - jail.local: ignoreip narrowed to 127.0.0.1 (the default 127.0.0.1/8 would ignore every test source) and
 *   ignoreself off,
 *   banaction = nftables, and the sshd jail with Debian's thresholds (maxretry 5, findtime 10m) on the test port,
 *   reading rsyslogd's auth.log or, with journald, the journal (`backend = systemd`, run in the journal's view);
 *   With the loopback address block only, ignoreip is narrowed to 127.0.0.1 and ignoreself turned off (the
 *   defaults would ignore every test source); with the TEST-NET block fail2ban's defaults stay as shipped.
 * - the bundled jail.d/f2b-campaign.conf, filter.d/f2b-campaign.conf and action.d/f2b-campaign-kill.conf, unchanged;
 * - jail.d/f2b-campaign.local: the verdict log's path and the test port (`port`, `sshd_port`).
 */
export async function startFail2ban(options: {
  dir: string;
  netns: Netns;
  processes: ProcessSet;
  sshdLog: Syslog | Journald;
  verdictLog: string;
  block: AddressBlock;
}): Promise<Fail2ban> {
  const conf = join(options.dir, 'fail2ban');
  mkdirSync(join(conf, 'jail.d'), { recursive: true });
  for (const item of ['fail2ban.conf', 'jail.conf', 'paths-common.conf', 'paths-debian.conf', 'action.d', 'filter.d']) {
    cpSync(join('/etc/fail2ban', item), join(conf, item), { recursive: true });
  }
  installBundledFail2ban(conf, options.dir);
  const socket = join(options.dir, 'fail2ban.sock');
  const log = join(options.dir, 'fail2ban.log');
  writeFileSync(
    join(conf, 'fail2ban.local'),
    [
      '[Definition]',
      'loglevel = INFO',
      `logtarget = ${log}`,
      `socket = ${socket}`,
      `pidfile = ${join(options.dir, 'fail2ban.pid')}`,
      `dbfile = ${join(options.dir, 'fail2ban.sqlite3')}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(conf, 'jail.local'),
    [
      '[DEFAULT]',
      ...(options.block === 'loopback'
        ? [
            '# The test sources are 127.0.0.2-250: the default ignoreip (127.0.0.1/8 ::1) would ignore them all.',
            'ignoreip = 127.0.0.1/32 ::1',
            '# Said outright so that f2b-campaign, which reads this file, does not widen it to 127.0.0.1/8 either.',
            'ignoreself = false',
          ]
        : []),
      'banaction = nftables',
      'banaction_allports = nftables[type=allports]',
      '',
      '[sshd]',
      'enabled = true',
      `port = ${SSHD_PORT}`,
      // The auth.log rsyslogd writes, or the journal: `backend = systemd` is how a Debian 12 machine without
      // rsyslog has fail2ban read sshd (Debian's defaults-debian.conf sets it from trixie on).
      ...(options.sshdLog.kind === 'rsyslog'
        ? [`logpath = ${options.sshdLog.authLog}`, 'backend = polling']
        : ['backend = systemd']),
      '# Debian defaults (jail.conf), spelled out.',
      'maxretry = 5',
      'findtime = 10m',
      'bantime = 10m',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(conf, 'jail.d', 'f2b-campaign.local'),
    // sshd's port for the jail's ban action (port) and for f2b-campaign-kill (sshd_port), as an admin sets them.
    ['[f2b-campaign]', `logpath = ${options.verdictLog}`, `port = ${SSHD_PORT}`, `sshd_port = ${SSHD_PORT}`, ''].join(
      '\n',
    ),
  );
  // fail2ban 1.0.2 refuses to start when a jail's log file is missing.
  const logs =
    options.sshdLog.kind === 'rsyslog' ? [options.sshdLog.authLog, options.verdictLog] : [options.verdictLog];
  for (const file of logs) if (!existsSync(file)) writeFileSync(file, '');

  const started = options.processes.start(
    'fail2ban-server',
    // Reading the journal, it runs where the test's journal is the system's (journald.ts, `view`).
    options.netns.wrap(
      readingJournal(options.sshdLog, [
        'fail2ban-server',
        '-f',
        '-x',
        '-c',
        conf,
        '-s',
        socket,
        '-p',
        join(options.dir, 'f2b.pid'),
      ]),
    ),
    join(options.dir, 'fail2ban-server.out'),
  );
  const client = (...args: string[]): string =>
    execFileSync('fail2ban-client', ['-s', socket, ...args], { encoding: 'utf8', stdio: 'pipe' });
  await waitFor(
    'fail2ban-server to run both jails',
    () => {
      try {
        const status = client('status');
        return status.includes('sshd') && status.includes('f2b-campaign');
      } catch {
        return false;
      }
    },
    { timeoutMs: 30_000, intervalMs: 250, process: started },
  );
  return {
    socket,
    log,
    process: started,
    banned: (jail) => parseList(client('get', jail, 'banned')),
    nftSet: (jail) => {
      try {
        const json = JSON.parse(
          options.netns.run(['nft', '-j', 'list', 'set', 'inet', 'f2b-table', `addr-set-${jail}`]),
        ) as { nftables: Array<{ set?: { elem?: unknown[] } }> };
        const elems = json.nftables.find((item) => item.set)?.set?.elem ?? [];
        return elems.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
      } catch {
        return [];
      }
    },
  };
}

/** fail2ban-client prints Python lists: ['127.0.0.5', '127.0.0.6'] (or [] ). */
function parseList(text: string): string[] {
  return [...text.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}
