import { readFileSync, statSync } from 'node:fs';
import { fail2banPidfile } from '../fail2ban/server-pidfile.js';

/** What became of fail2ban-server since the last look. */
export type Fail2banServerChange =
  | { readonly kind: 'started' | 'restarted'; readonly pid: string; readonly pidfile: string }
  | { readonly kind: 'stopped'; readonly pidfile: string };

/** fail2ban-server as its pid file says: running, not (no pid file), or null when the file cannot be looked at. */
export interface Fail2banServerSeen {
  readonly pidfile: string;
  readonly running: boolean | null;
  readonly pid: string | null;
}

/** One look at the pid file: absent (null), or which server wrote it. */
interface PidfileLook {
  /** The file's inode and time with its text: a server restarted under a reused pid still writes a new file. */
  readonly identity: string;
  readonly pid: string;
}

/**
 * Follows fail2ban-server's starts and stops through its pid file, which it writes as it starts and removes as it
 * stops (server.py). A restart (`systemctl restart fail2ban`, `fail2ban-client restart`, a crash and Restart=) reads
 * jail.local afresh as a reload does, but systemd propagates reloads only (ReloadPropagatedFrom=): without this, an
 * ignoreip added before a restart applied in fail2ban and not here until the service's own reload.
 */
export class Fail2banServerWatch {
  private pidfile: string | null = null;
  private last: PidfileLook | null | undefined;

  /**
   * Follows the pid file of the fail2ban-server that reads `configDir` (at start, and after each reload, which may
   * name another directory); a file newly followed is taken as found, not as a change.
   */
  follow(configDir: string): void {
    const pidfile = fail2banPidfile(configDir);
    if (pidfile === this.pidfile) return;
    this.pidfile = pidfile;
    this.last = pidfile === null ? undefined : lookAt(pidfile);
  }

  /** The server as last seen, for `status`: null when nothing is followed (no fail2ban.conf). */
  seen(): Fail2banServerSeen | null {
    if (this.pidfile === null) return null;
    const running = this.last === undefined ? null : this.last !== null;
    return { pidfile: this.pidfile, running, pid: this.last ? this.last.pid : null };
  }

  /** The change since the last call, or null; a file that cannot be read is no change (the next look may tell). */
  check(): Fail2banServerChange | null {
    if (this.pidfile === null) return null;
    const now = lookAt(this.pidfile);
    if (now === undefined) return null;
    const before = this.last;
    this.last = now;
    if (now === null) return before ? { kind: 'stopped', pidfile: this.pidfile } : null;
    if (before === undefined || before?.identity === now.identity) return null;
    return { kind: before === null ? 'started' : 'restarted', pid: now.pid, pidfile: this.pidfile };
  }
}

/** The pid file now: null when there is none, undefined when it cannot be told (a directory we may not search). */
function lookAt(pidfile: string): PidfileLook | null | undefined {
  try {
    const stat = statSync(pidfile, { throwIfNoEntry: false });
    if (stat === undefined) return null;
    let pid = '?';
    try {
      pid = readFileSync(pidfile, 'utf8').trim().slice(0, 20);
      // Created, not yet written (server.py opens it, then writes): the next look sees the server's pid.
      if (pid === '') return undefined;
    } catch {
      // fail2ban-server writes it under umask 077 (server.py): only root reads the pid, which the packaged service
      // is not. The inode and time tell a restart all the same.
    }
    return { identity: `${stat.ino}:${stat.mtimeMs}:${pid}`, pid: /^\d+$/.test(pid) ? pid : '?' };
  } catch {
    return undefined;
  }
}
