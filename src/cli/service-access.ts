import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Account, lookupAccount, modeAllows } from '../service/local-account.js';

export type { Account } from '../service/local-account.js';

/** The user the packaged unit runs the service as (debian/f2b-campaign.service: User=). */
const SERVICE_USER = 'f2b-campaign';

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
  return modeAllows(statSync(path), account, bits);
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
