import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { lookupAccount, modeAllows } from '../service/local-account.js';

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
  return modeAllows(stat, account, how === 'read' ? 4 : 2);
}
