import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { listRotated } from './rotated-files.js';

/** Where the audit reads fail2ban's Ban/Unban history from. */
export type Fail2banSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'journal'; readonly journalctl: string };

/** The first executable file named `program` in a PATH-style list, or null. */
export function findProgram(program: string, pathEnv: string | undefined): string | null {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, program);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here: the next directory.
    }
  }
  return null;
}

/**
 * `--fail2ban-journal` reads the journal, `--fail2ban-log FILE` that file. With neither: the default log if it (or
 * a rotation of it) exists, else the journal when journalctl is installed (fail2ban with `logtarget =
 * SYSTEMD-JOURNAL`, or SYSLOG on a host without rsyslog), else the default log (every ban then shows "not covered").
 */
export function chooseFail2banSource(options: {
  readonly log: string | undefined;
  readonly journal: boolean;
  readonly defaultLog: string;
  readonly pathEnv: string | undefined;
}): Fail2banSource {
  if (options.journal) return { kind: 'journal', journalctl: 'journalctl' };
  if (options.log !== undefined) return { kind: 'file', path: options.log };
  if (listRotated(options.defaultLog).length > 0) return { kind: 'file', path: options.defaultLog };
  const journalctl = findProgram('journalctl', options.pathEnv);
  return journalctl === null ? { kind: 'file', path: options.defaultLog } : { kind: 'journal', journalctl };
}
