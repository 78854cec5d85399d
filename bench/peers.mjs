// What the benchmarks share to run their peers: a private fail2ban-server (Debian's sshd jail, a dummy action that
// only writes to a file in the temp dir, its own socket, pidfile, database and log: the host's firewall and its own
// fail2ban are never touched), sshguard's pipeline with its null firewall backend, and CPU time and memory read
// from /proc for a process and its descendants; and the node flags our own program runs with.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SSHGUARD = '/usr/libexec/sshguard';
const TICKS = 100; // USER_HZ: the unit of utime/stime in /proc/<pid>/stat, 100 on every Linux build we ship to

/**
 * The node flags the package's launcher starts the program with (its young generation), read from its #! line, for
 * benchmarks that run a bundle of their own with node: what they measure is what the package runs.
 */
export function launcherFlags() {
  const launcher = readFileSync(new URL('../debian/launcher/f2b-campaign', import.meta.url), 'utf8');
  return /^#!\/usr\/bin\/node((?: --\S+)*)\n/.exec(launcher)[1].trim().split(' ').filter(Boolean);
}

/** Throws with the package to install when a peer's program is missing. */
export function requirePrograms(list) {
  for (const [path, pkg] of list) if (!existsSync(path)) throw new Error(`${path} is missing: apt-get install ${pkg}`);
}

/** Whether fail2ban's python can use the pyinotify backend (python3-pyinotify, one of fail2ban's Recommends). */
export function hasPyinotify() {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import pyinotify'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const stat = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');

/** pid and every live descendant (the peers' pipelines and the actions fail2ban runs are several processes). */
export function processTree(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(stat(name)[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const walk = (p) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/** utime + stime of the processes, seconds (a process that exited meanwhile counts nothing). */
export function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = stat(pid);
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone
    }
  }
  return ticks / TICKS;
}

/** Summed VmRSS (or VmHWM, the peak) of the processes, MB. Shared pages count once per process. */
export function memoryMb(pids, field = 'VmRSS') {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what, test, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * A fail2ban-server of its own in `dir`, in the foreground (-f -x), running Debian's sshd jail alone (a copy of
 * /etc/fail2ban without jail.d, the jail enabled in jail.local) on `logpath` with `backend`, and the dummy action
 * writing +ip/-ip into dir. Resolves once `fail2ban-client status` lists the jail.
 */
export async function startFail2ban(dir, { logpath, backend }) {
  const conf = join(dir, 'conf');
  mkdirSync(conf, { recursive: true });
  for (const item of ['fail2ban.conf', 'jail.conf', 'paths-common.conf', 'paths-debian.conf', 'action.d', 'filter.d'])
    cpSync(join('/etc/fail2ban', item), join(conf, item), { recursive: true });
  const socket = join(dir, 'f2b.sock');
  const local = (name, lines) => writeFileSync(join(conf, name), `${lines.join('\n')}\n`);
  local('fail2ban.local', [
    '[Definition]',
    'loglevel = INFO',
    `logtarget = ${join(dir, 'fail2ban.log')}`,
    `socket = ${socket}`,
    `pidfile = ${join(dir, 'f2b.pid')}`,
    `dbfile = ${join(dir, 'f2b.sqlite3')}`,
  ]);
  local('jail.local', [
    '[DEFAULT]',
    `action = dummy[target="${join(dir, 'dummy.bans')}"]`,
    '[sshd]',
    'enabled = true',
    `logpath = ${logpath}`,
    `backend = ${backend}`,
  ]);
  const child = spawn('fail2ban-server', ['-f', '-x', '-c', conf, '-s', socket, '-p', join(dir, 'f2b.pid')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const client = (...args) =>
    execFileSync('fail2ban-client', ['-s', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  await waitFor(`fail2ban-server (${backend}) to run the sshd jail: ${stderr}`, () => {
    if (child.exitCode !== null) throw new Error(`fail2ban-server exited (${child.exitCode}): ${stderr}`);
    try {
      return client('status').includes('sshd');
    } catch {
      return false;
    }
  });
  return {
    pid: child.pid,
    client,
    /** fail2ban's own count of failures the jail has seen. */
    failed: () => Number(/Total failed:\s+(\d+)/.exec(client('status', 'sshd'))?.[1] ?? Number.NaN),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      try {
        client('stop');
      } catch {
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}

/**
 * sshguard as its service runs it (sshg-logtail FILE | sshg-parser | sshg-blocker | backend), but with the null
 * firewall backend and the blocker's flags given here: /usr/sbin/sshguard reads /etc/sshguard/sshguard.conf, whose
 * backend is a real firewall, so the pipeline is built by hand. Runs in a process group of its own.
 */
export function startSshguard(logpath, blockerFlags = ['-a', '30', '-p', '120', '-s', '1800']) {
  const line = `${SSHGUARD}/sshg-logtail ${logpath} | ${SSHGUARD}/sshg-parser | ${SSHGUARD}/sshg-blocker ${blockerFlags.join(' ')} | ${SSHGUARD}/sshg-fw-null`;
  const child = spawn('/bin/sh', ['-c', line], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  return {
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    },
  };
}
