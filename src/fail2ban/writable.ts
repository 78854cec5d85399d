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
  const account = lookupAccount(user);
  let target = path;
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    target = dirname(path);
    try {
      stat = statSync(target);
    } catch {
      return false;
    }
  }
  if (!account) {
    try {
      accessSync(target, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }
  if (account.uid === 0) return true;
  const mode = Number(stat.mode);
  if (Number(stat.uid) === account.uid) return (mode & 0o200) !== 0;
  if (account.gids.includes(Number(stat.gid))) return (mode & 0o020) !== 0;
  return (mode & 0o002) !== 0;
}
