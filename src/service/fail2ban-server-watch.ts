import { readFileSync, statSync } from 'node:fs';
import { fail2banPidfile, reloadMarkOf } from '../fail2ban/server-pidfile.js';
import { LOG_EVENTS } from './log-events.js';

/** What became of fail2ban-server since the last look. `at`: when fail2ban marked its reload (ms since the epoch). */
export type Fail2banServerChange =
  | { readonly kind: 'started' | 'restarted'; readonly pid: string; readonly pidfile: string }
  | { readonly kind: 'stopped'; readonly pidfile: string }
  | { readonly kind: 'reloaded'; readonly mark: string; readonly at: number };

/** fail2ban-server as its pid file says: running, not (no pid file), or null when the file cannot be looked at. */
export interface Fail2banServerSeen {
  readonly pidfile: string;
  readonly running: boolean | null;
  readonly pid: string | null;
}

/** One look at a file: absent (null), or which one it is. */
interface FileLook {
  /** The file's inode and time (and a pid file's text): a server restarted under a reused pid writes a new file. */
  readonly identity: string;
  readonly pid: string;
  readonly mtimeMs: number;
}

/**
 * Follows fail2ban-server through its pid file, which it writes as it starts and removes as it stops (server.py),
 * and through the mark the bundled kill action touches when fail2ban reloads. A restart (`systemctl restart
 * fail2ban`, `fail2ban-client restart`, a crash and Restart=) or a reload (`fail2ban-client reload` run by hand,
 * which systemd never hears of) reads jail.local afresh; without this, an ignoreip added then applied in fail2ban
 * and not here until the service's own reload (systemd propagates `systemctl reload fail2ban` alone).
 */
export class Fail2banServerWatch {
  private pidfile: string | null = null;
  private last: FileLook | null | undefined;
  private lastMark: FileLook | null | undefined;

  /**
   * Follows the pid file of the fail2ban-server that reads `configDir` (at start, and after each reload, which may
   * name another directory); files newly followed are taken as found, not as a change.
   */
  follow(configDir: string): void {
    const pidfile = fail2banPidfile(configDir);
    if (pidfile === this.pidfile) return;
    this.pidfile = pidfile;
    this.last = pidfile === null ? undefined : lookAt(pidfile, true);
    this.lastMark = pidfile === null ? undefined : lookAt(reloadMarkOf(pidfile), false);
  }

  /** The server as last seen, for `status`: null when nothing is followed (no fail2ban.conf). */
  seen(): Fail2banServerSeen | null {
    if (this.pidfile === null) return null;
    const running = this.last === undefined ? null : this.last !== null;
    return { pidfile: this.pidfile, running, pid: this.last ? this.last.pid : null };
  }

  /**
   * The changes since the last call, the server's first; a file that cannot be read is no change (the next look may
   * tell). A mark that goes away (fail2ban's unit removes its run directory as it stops) is none either.
   */
  check(): Fail2banServerChange[] {
    if (this.pidfile === null) return [];
    const changes: Fail2banServerChange[] = [];
    const server = this.checkServer(this.pidfile);
    if (server) changes.push(server);
    const mark = lookAt(reloadMarkOf(this.pidfile), false);
    if (mark !== undefined) {
      if (mark && this.lastMark !== undefined && mark.identity !== this.lastMark?.identity) {
        changes.push({ kind: 'reloaded', mark: reloadMarkOf(this.pidfile), at: mark.mtimeMs });
      }
      this.lastMark = mark;
    }
    return changes;
  }

  private checkServer(pidfile: string): Fail2banServerChange | null {
    const now = lookAt(pidfile, true);
    if (now === undefined) return null;
    const before = this.last;
    this.last = now;
    if (now === null) return before ? { kind: 'stopped', pidfile } : null;
    if (before === undefined || before?.identity === now.identity) return null;
    return { kind: before === null ? 'started' : 'restarted', pid: now.pid, pidfile };
  }
}

/**
 * What the service logs of a change, and whether it reloads: at a start or restart, and at a reload marked after
 * the configuration in force began to be read (`readBeganAt`). fail2ban marks its reload once it holds the new
 * configuration, so a read of ours begun since then (the SIGHUP that `systemctl reload fail2ban` propagates) is as
 * new, and a second one would only repeat it.
 */
export function followFail2ban(
  change: Fail2banServerChange,
  readBeganAt: number,
): { record: Record<string, unknown>; reload: boolean } {
  switch (change.kind) {
    case 'stopped':
      return { record: { event: LOG_EVENTS.fail2banStopped, pidfile: change.pidfile }, reload: false };
    case 'reloaded': {
      // The mark's time is the kernel's coarse clock, a few ms behind: fail2ban read its files well before it marked
      // (the server applied them first), so a read of ours begun that little before the mark still came after.
      const readSince = readBeganAt >= change.at;
      return { record: { event: LOG_EVENTS.fail2banReloaded, mark: change.mark, readSince }, reload: !readSince };
    }
    default: {
      const { pid: serverPid, pidfile, kind } = change;
      const record = { event: LOG_EVENTS.fail2banStarted, serverPid, pidfile, restarted: kind === 'restarted' };
      return { record, reload: true };
    }
  }
}

/** The file now: null when there is none, undefined when it cannot be told (a directory we may not search). */
function lookAt(path: string, withPid: boolean): FileLook | null | undefined {
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) return null;
    let pid = '?';
    if (withPid) {
      try {
        pid = readFileSync(path, 'utf8').trim().slice(0, 20);
        // Created, not yet written (server.py opens it, then writes): the next look sees the server's pid.
        if (pid === '') return undefined;
      } catch {
        // fail2ban-server writes it under umask 077 (server.py): only root reads the pid, which the packaged service
        // is not. The inode and time tell a restart all the same.
      }
    }
    const identity = `${stat.ino}:${stat.mtimeMs}:${pid}`;
    return { identity, pid: /^\d+$/.test(pid) ? pid : '?', mtimeMs: stat.mtimeMs };
  } catch {
    return undefined;
  }
}
