import { lstatSync, readFileSync } from 'node:fs';

/**
 * Clock ticks a second in /proc/<pid>/stat: the kernel's USER_HZ, 100 on every architecture Debian ships (Node has
 * no sysconf(_SC_CLK_TCK) to ask).
 */
const TICKS_PER_SECOND = 100;
/** Slack for the clocks compared: ticks of 10 ms, /proc/uptime's hundredths, the wall clock's adjustments. */
const SLACK_MS = 1000;

/**
 * Whether the process that now has `pid` started after the link at `path` was made: then it is not the process the
 * link names, whose pid was given to another program after it died. Both ages are taken now: the link's from its
 * mtime (lstat: the link's own, set when it was made), the process's from its start in /proc/<pid>/stat against
 * /proc/uptime (both on the boot-time clock). False whenever that cannot be read (the pid gone or hidden, the link
 * gone), or the two are within a second.
 */
export function startedAfter(pid: number, path: string, now = Date.now()): boolean {
  try {
    const linkAge = now - lstatSync(path).mtimeMs;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces and parentheses: the fields are counted after the last one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]); // field 22, starttime
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    if (!Number.isFinite(startTicks) || !Number.isFinite(uptime)) return false;
    const processAge = uptime * 1000 - (startTicks * 1000) / TICKS_PER_SECOND;
    return processAge + SLACK_MS < linkAge;
  } catch {
    return false;
  }
}
