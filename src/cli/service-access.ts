import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The user the packaged unit runs the service as (debian/f2b-campaign.service: User=). */
export const SERVICE_USER = 'f2b-campaign';

export interface Account {
  readonly name: string;
  readonly uid: number;
  /** Primary and supplementary groups (the package puts the user in adm and systemd-journal). */
  readonly gids: readonly number[];
}

/** A local user's uid and groups from /etc/passwd and /etc/group, or null when there is no such user. */
export function lookupAccount(name: string, etc = '/etc'): Account | null {
  try {
    const entry = readFileSync(`${etc}/passwd`, 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[0] === name);
    if (!entry) return null;
    const gids = [Number(entry[3])];
    for (const fields of readFileSync(`${etc}/group`, 'utf8')
      .split('\n')
      .map((line) => line.split(':'))) {
      if ((fields[3] ?? '').split(',').includes(name)) gids.push(Number(fields[2]));
    }
    return { name, uid: Number(entry[2]), gids };
  } catch {
    return null;
  }
}

/**
 * Whom `check` judges access for: as root, access(2) says yes to everything, so where the service user exists its
 * access is worked out from owners and modes; else this process's own (and `asRoot` says the answer is root's).
 */
export interface Judge {
  readonly account: Account | null;
  readonly asRoot: boolean;
}

export function serviceJudge(uid = process.getuid?.() ?? -1, account = lookupAccount(SERVICE_USER)): Judge {
  if (uid !== 0) return { account: null, asRoot: false };
  return account && account.uid !== 0 ? { account, asRoot: false } : { account: null, asRoot: true };
}

/** The mode bits (r=4, w=2, x=1) the account has on `path` by owner, group or other. ACLs are not considered. */
function allowed(path: string, account: Account, bits: number): boolean {
  const stat = statSync(path);
  const mode = Number(stat.mode);
  const shift = Number(stat.uid) === account.uid ? 6 : account.gids.includes(Number(stat.gid)) ? 3 : 0;
  return ((mode >> shift) & bits) === bits;
}

/** Every directory above `path` lets the account through (x), as opening the path needs. */
function reachable(path: string, account: Account): boolean {
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    if (!allowed(dir, account, 1)) return false;
    if (dirname(dir) === dir) return true;
  }
}

/** Whether the judged user can read `path` (an existing file). */
export function canRead(path: string, judge: Judge): boolean {
  try {
    if (judge.account) return reachable(path, judge.account) && allowed(path, judge.account, 4);
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The nearest existing directory at or above `path`, and whether the judged user can create files in it. */
export function writableAt(path: string, judge: Judge): { ok: boolean; where: string } {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    if (judge.account) return { ok: reachable(dir, judge.account) && allowed(dir, judge.account, 3), where: dir };
    accessSync(dir, constants.W_OK);
    return { ok: true, where: dir };
  } catch {
    return { ok: false, where: dir };
  }
}

/** How `check` names whom it judged for: ` by f2b-campaign`, or nothing, or a note that root was asked. */
export function judgedFor(judge: Judge): string {
  if (judge.account) return ` by ${judge.account.name}`;
  return judge.asRoot ? ` (checked as root: there is no ${SERVICE_USER} user)` : '';
}
