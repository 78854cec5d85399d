import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

interface Account {
  readonly uid: number;
  readonly gids: readonly number[];
}

/** The uid and all gids (primary and supplementary) of a local user, from /etc/passwd and /etc/group. */
function lookupAccount(user: string, etc = '/etc'): Account | null {
  try {
    const passwd = readFileSync(`${etc}/passwd`, 'utf8').split('\n');
    const entry = passwd.map((line) => line.split(':')).find((fields) => fields[0] === user);
    if (!entry) return null;
    const gids = [Number(entry[3])];
    for (const fields of readFileSync(`${etc}/group`, 'utf8')
      .split('\n')
      .map((line) => line.split(':'))) {
      if ((fields[3] ?? '').split(',').includes(user)) gids.push(Number(fields[2]));
    }
    return { uid: Number(entry[2]), gids };
  } catch {
    return null;
  }
}

/**
 * Whether `user` could append to `path` (or create it, when it does not exist), judged from owner and mode bits:
 * `check` usually runs as root, for whom access(2) always says yes. Without such a user, asks access(2) for this
 * process. ACLs are not considered.
 */
export function canWrite(path: string, user: string): boolean {
  return canAccess(path, user, 'write');
}

/** Whether `user` could read `path`, judged as `canWrite` judges writing (false when it does not exist). */
export function canRead(path: string, user: string): boolean {
  return canAccess(path, user, 'read');
}

function canAccess(path: string, user: string, how: 'read' | 'write'): boolean {
  const account = lookupAccount(user);
  let target = path;
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    if (how === 'read') return false;
    target = dirname(path);
    try {
      stat = statSync(target);
    } catch {
      return false;
    }
  }
  if (!account) {
    try {
      accessSync(target, how === 'read' ? constants.R_OK : constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }
  if (account.uid === 0) return true;
  const owner = how === 'read' ? 0o400 : 0o200;
  const mode = Number(stat.mode);
  if (Number(stat.uid) === account.uid) return (mode & owner) !== 0;
  if (account.gids.includes(Number(stat.gid))) return (mode & (owner >> 3)) !== 0;
  return (mode & (owner >> 6)) !== 0;
}
