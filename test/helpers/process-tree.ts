import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';

/** A process of the tree, as /proc shows it. */
interface ProcessState {
  readonly pid: number;
  readonly ppid: number;
  readonly command: string;
}

/** `root` and every process under it, parents before children (Linux /proc; an empty list elsewhere). */
export function processTree(root: number): ProcessState[] {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((p): p is ProcessState => p !== undefined);
  const tree = all.filter((p) => p.pid === root);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i]?.pid));
  return tree;
}

function readProcess(pid: number): ProcessState | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // A zombie (ended, not yet waited for by its parent) has no command line left: its name stands for it.
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const command = read(`/proc/${pid}/cmdline`)?.split('\0').join(' ').trim() || `[${name}]`;
  return { pid, ppid: Number(afterName(stat)[1]), command };
}

/** Whether process `pid` has a handler of its own for `name` (SigCgt of /proc/PID/status). */
export function catchesSignal(pid: number, name: NodeJS.Signals): boolean {
  const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(read(`/proc/${pid}/status`) ?? '')?.[1];
  const number = constants.signals[name];
  return caught !== undefined && ((BigInt(`0x${caught}`) >> BigInt(number - 1)) & 1n) === 1n;
}

/**
 * What a stuck tree of processes is doing, for a test's failure message: each process's command line, then each of
 * its threads' state (R running, S sleeping, D in the disk, Z a zombie), the kernel function it sleeps in (wchan)
 * and its system call (number and arguments, as in /proc/PID/syscall: 0 read, 1 write, 61 wait4, 130 rt_sigsuspend,
 * 202 futex (Atomics.wait, a lock, joining a thread), 230 clock_nanosleep, 232 and 281 epoll_wait: an idle event
 * loop), then its standard descriptors and those it shares with another process of the tree, and how they are open
 * (O_NONBLOCK, 04000: non-blocking).
 */
export function describeProcessTree(root: number): string {
  const tree = processTree(root).map((p) => ({ ...p, fds: descriptors(p.pid) }));
  // Where each pipe or socket is open in the tree: a reader waits for the end of its pipe until every holder of the
  // write end has closed it.
  const holders = new Map<string, Set<number>>();
  for (const { pid, fds } of tree)
    for (const { target } of fds) holders.set(target, (holders.get(target) ?? new Set()).add(pid));
  const load = read('/proc/loadavg')?.trim();
  const lines = [`machine: load ${load}; ${pressure('cpu')}; ${pressure('memory')}; ${pressure('io')}`];
  for (const { pid, ppid, command, fds } of tree) {
    lines.push(`process ${pid} (parent ${ppid}), ${cpuTime(pid)}: ${command}`);
    for (const tid of list(`/proc/${pid}/task`)) {
      const task = `/proc/${pid}/task/${tid}`;
      const stat = read(`${task}/stat`);
      const name = read(`${task}/comm`)?.trim();
      const state = stat === undefined ? '?' : afterName(stat)[0];
      const wchan = read(`${task}/wchan`) ?? '?';
      const syscall = read(`${task}/syscall`)?.trim() ?? '?';
      lines.push(`  thread ${tid} ${name}: state ${state}, in ${wchan || '-'}, syscall ${syscall}`);
    }
    for (const { fd, target, mode } of fds) {
      if (fd > 2 && (holders.get(target)?.size ?? 0) < 2) continue; // the program's own: epoll, eventfd, its files
      lines.push(`  fd ${fd} -> ${target} (${mode})`);
    }
  }
  return lines.join('\n');
}

/** A process's open descriptors: what each is, and how it is open (read, write, non-blocking). */
function descriptors(pid: number): { fd: number; target: string; mode: string }[] {
  return list(`/proc/${pid}/fd`)
    .map(Number)
    .sort((a, b) => a - b)
    .map((fd) => {
      const flags = Number.parseInt(/^flags:\s*(\d+)/m.exec(read(`/proc/${pid}/fdinfo/${fd}`) ?? '')?.[1] ?? '0', 8);
      const access = ['read', 'write', 'read-write'][flags & 3] ?? '?';
      return { fd, target: link(`/proc/${pid}/fd/${fd}`), mode: flags & 0o4000 ? `${access}, non-blocking` : access };
    });
}

/**
 * The CPU time a process used, and its age: a stuck process that used little waits on something, one that used
 * most of its age loops.
 */
function cpuTime(pid: number): string {
  const fields = afterName(read(`/proc/${pid}/stat`) ?? '');
  const ticks = (i: number) => Number(fields[i]) / TICKS_PER_SECOND;
  // utime, stime and starttime: fields 14, 15 and 22 of stat, 11, 12 and 19 after the name.
  const age = Number(read('/proc/uptime')?.split(' ')[0]) - ticks(19);
  return `${(ticks(11) + ticks(12)).toFixed(2)} s of CPU in ${age.toFixed(1)} s`;
}

/** USER_HZ, which Linux fixes at 100 for what /proc shows in ticks. */
const TICKS_PER_SECOND = 100;

/** How much of the last 10 s some task waited for `resource` (Linux pressure stall information). */
function pressure(resource: string): string {
  const avg10 = /^some avg10=(\S+)/.exec(read(`/proc/pressure/${resource}`) ?? '')?.[1];
  return `${resource} pressure ${avg10 ?? '?'}%`;
}

/** The fields of /proc/PID/stat after "(comm)", which may itself hold spaces and parentheses: state, ppid, ... */
function afterName(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended meanwhile, or is not ours to read
  }
}

function list(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function link(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '?';
  }
}
