import {
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { F2bCampaignError } from '../core/errors.js';

/**
 * The lock in state_dir: a symbolic link whose target is the text `<pid> <boot id>` of the `run` that owns the
 * directory (`ls -l` and `readlink` show it). A short link's target is kept in its inode, on ext4, xfs and tmpfs
 * alike, so the lock is taken on a file system with no free block: as a file it needed one, and a service whose
 * /var had filled did not start at all (found in review).
 */
export const LOCK_FILE = 'run.lock';

export interface InstanceLock {
  readonly path: string;
  /** Removes the lock if it is still ours; called once the service has stopped and saved. */
  release(): void;
}

export interface LockOptions {
  /** Called when a lock left by a process that is gone is taken over. */
  readonly onStale?: (stalePid: number, path: string) => void;
  /** Whether `pid` is a running f2b-campaign, for a lock made by the user `lockOwner` (tests replace it). */
  readonly isRunning?: (pid: number, lockOwner?: number) => boolean;
  readonly pid?: number;
  /** This boot's id (/proc/sys/kernel/random/boot_id); null where it cannot be read. */
  readonly bootId?: string | null;
}

/**
 * Takes state_dir for this process, so a second `run` on the same config refuses to start instead of reading the
 * same logs and writing every verdict twice. The link is made with its text in one step, which fails if it exists,
 * so another start never reads it half made. A lock whose pid is not a running f2b-campaign (a crash) or that was
 * taken before the last boot (a power loss: its pid may now be any other program's, which the unit's
 * ProtectProc=invisible keeps it from seeing) is taken over.
 */
export function acquireInstanceLock(dir: string, options: LockOptions = {}): InstanceLock {
  const pid = options.pid ?? process.pid;
  const isRunning = options.isRunning ?? isRunningCampaign;
  const boot = options.bootId === undefined ? currentBootId() : options.bootId;
  const path = join(dir, LOCK_FILE);
  const text = `${pid} ${boot ?? '-'}`;
  mkdirSync(dir, { recursive: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      symlinkSync(text, path);
      return { path, release: () => releaseIfOurs(path, text) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(path, error);
    }
    const held = readLock(path);
    if (held === undefined) continue; // removed meanwhile: try again
    const holder = parseLock(held);
    const sameBoot = holder?.boot === null || boot === null || holder?.boot === boot;
    if (holder && holder.pid !== pid && sameBoot && isRunning(holder.pid, ownerOf(path))) {
      throw new F2bCampaignError(
        'ALREADY_RUNNING',
        `f2b-campaign is already running on ${dir} (pid ${holder.pid}, lock ${path}): stop it first ` +
          '(systemctl stop f2b-campaign), or remove the lock if that pid is not f2b-campaign',
      );
    }
    if (takeOver(path, held, pid)) options.onStale?.(holder?.pid ?? 0, path);
  }
  throw new F2bCampaignError('LOCK_CONTENDED', `cannot take ${path}: other starts keep taking it`);
}

/**
 * The link needs an inode and a directory entry, no block: it still fails where the file system has no inode left
 * (or a directory must grow), and then names the lock and the cause; systemd tries again every RestartSec.
 */
function unwritable(path: string, error: unknown): F2bCampaignError {
  const code = (error as NodeJS.ErrnoException).code;
  const full = code === 'ENOSPC' || code === 'EDQUOT' ? ": the state directory's file system is full" : '';
  return new F2bCampaignError('LOCK_UNWRITABLE', `cannot take ${path} (${(error as Error).message})${full}`, {
    cause: error,
  });
}

/** `<pid> <boot id>`, the boot id `-` where it could not be read (and a bare pid, as any hand-made lock). */
function parseLock(text: string): { pid: number; boot: string | null } | null {
  const match = /^(\d+)(?: (\S+))?\n?$/.exec(text);
  if (!match) return null;
  return { pid: Number(match[1]), boot: match[2] === undefined || match[2] === '-' ? null : match[2] };
}

function currentBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * The lock's text; undefined when it is gone. A plain file is read as well: the lock an earlier version left behind
 * (a file, until a full disk showed it could not be written), or one made by hand.
 */
function readLock(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code !== 'EINVAL') throw error;
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Moves a stale lock aside, and removes it if it is still the stale one: a start that took the lock over between
 * our read and our move gets its lock back rather than losing it.
 */
function takeOver(path: string, stale: string, pid: number): boolean {
  const aside = `${path}.${pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (readLock(aside) === stale) {
    unlinkSync(aside);
    return true;
  }
  try {
    linkSync(aside, path);
  } catch {}
  unlinkSync(aside);
  return false;
}

/** The uid that made the lock, undefined when it is gone. */
function ownerOf(path: string): number | undefined {
  try {
    return lstatSync(path).uid;
  } catch {
    return undefined;
  }
}

function releaseIfOurs(path: string, text: string): void {
  try {
    if (readLock(path) === text) unlinkSync(path);
  } catch {}
}

/**
 * Alive (signal 0 reaches it, or it belongs to another user), and, where /proc shows it, an f2b-campaign: after a
 * crash the pid in its lock may since have been given to any other program. A pid of another user's (EPERM) holds
 * no lock this user made: a process may signal its own user's. This is what tells them apart under the unit's
 * ProtectProc=invisible, which hides other users' /proc entries: such a pid looked like a running f2b-campaign,
 * and the service did not start until that program ended (found in review).
 */
export function isRunningCampaign(pid: number, lockOwner?: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
    if (lockOwner !== undefined && lockOwner === process.getuid?.()) return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('f2b-campaign');
  } catch {
    return true;
  }
}
