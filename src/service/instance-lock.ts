import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { F2bCampaignError } from '../core/errors.js';
import { startedAfter } from './process-start.js';

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
  /** Waits while another start takes a stale lock over (tests replace it). */
  readonly pause?: (ms: number) => void;
  /** The wall clock, for a claim's age (tests replace it). */
  readonly now?: () => number;
}

/**
 * Takes state_dir for this process, so a second `run` on the same config refuses to start instead of reading the
 * same logs and writing every verdict twice. The link is made with its text in one step, which fails if it exists,
 * so another start never reads it half made. A lock whose pid is not a running f2b-campaign (a crash), runs a
 * process started after the lock was made (its pid given to another program since), or that was taken before the
 * last boot (a power loss: its pid may now be any other program's, which the unit's ProtectProc=invisible keeps it
 * from seeing) is taken over (replaceStale).
 */
export function acquireInstanceLock(dir: string, options: LockOptions = {}): InstanceLock {
  const pid = options.pid ?? process.pid;
  const boot = options.bootId === undefined ? currentBootId() : options.bootId;
  const path = join(dir, LOCK_FILE);
  const text = `${pid} ${boot ?? '-'}`;
  const judge: Judge = { pid, boot, isRunning: options.isRunning ?? isRunningCampaign, now: options.now ?? Date.now };
  const pause = options.pause ?? sleep;
  mkdirSync(dir, { recursive: true });
  let busy: string | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      symlinkSync(text, path);
      return taken(dir, path, text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(path, error);
    }
    const held = readLock(path);
    if (held === undefined) continue; // removed meanwhile: try again
    const holder = parseLock(held);
    if (holder && holder.pid !== pid && alive(judge, holder, path)) {
      throw new F2bCampaignError(
        'ALREADY_RUNNING',
        `f2b-campaign is already running on ${dir} (pid ${holder.pid}, lock ${path}): stop it first ` +
          '(systemctl stop f2b-campaign), or remove the lock if that pid is not f2b-campaign',
      );
    }
    const outcome = replaceStale(path, held, text, judge, 0);
    if (outcome === 'replaced') {
      options.onStale?.(holder?.pid ?? 0, path);
      return taken(dir, path, text);
    }
    if (outcome !== 'changed') {
      busy = outcome.busy;
      pause(PAUSE_MS); // another start is taking it over: its lock is there in a moment
    }
  }
  const claim =
    busy === undefined
      ? ''
      : ` (${busy} -> ${readLock(busy) ?? 'gone'}); remove that claim if its pid is no f2b-campaign`;
  throw new F2bCampaignError('LOCK_CONTENDED', `cannot take ${path}: other starts keep taking it${claim}`);
}

/**
 * The lock, taken; what a start killed in the middle of a takeover left (its claim, or the link it was about to
 * rename) removed. Taken, the lock's text is ours: a claim left for another text, or a link made to replace one,
 * can no longer change it.
 */
function taken(dir: string, path: string, text: string): InstanceLock {
  for (const name of readdirSync(dir)) {
    if (!LEFTOVER.test(name)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {}
  }
  return { path, release: () => releaseIfOurs(path, text) };
}

/** A takeover's claim (`run.lock.<text>.taking`, a claim's own `….taking.<text>.taking`) or its link to rename. */
const LEFTOVER = /^run\.lock\..+\.(?:taking|new)$/;

/** Tries, and pauses while another start takes a stale lock over, for about 2 s in all. */
const ATTEMPTS = 40;
const PAUSE_MS = 50;
/** Takers that died in the middle of a takeover, one after another, before the start gives up. */
const MAX_DEPTH = 3;

/**
 * A takeover holds its claim for a few system calls. One this old was left by a taker that died, whatever its pid
 * runs now (its process hidden, so startedAfter cannot tell): only a taker stopped that long between two of those
 * calls would still act on it.
 */
const CLAIM_OUTLIVED_MS = 10 * 60_000;

interface Judge {
  readonly pid: number;
  readonly boot: string | null;
  readonly isRunning: (pid: number, lockOwner?: number) => boolean;
  readonly now: () => number;
}

/**
 * Whether the process a lock (or a takeover's claim) names still runs, in this boot: not if the process with that
 * pid started after the link was made (its pid given to another program since; process-start.ts).
 */
function alive(judge: Judge, holder: { pid: number; boot: string | null }, path: string): boolean {
  const sameBoot = holder.boot === null || judge.boot === null || holder.boot === judge.boot;
  return sameBoot && judge.isRunning(holder.pid, ownerOf(path)) && !startedAfter(holder.pid, path, judge.now());
}

/** Whether a takeover's claim was made longer ago than any takeover takes (CLAIM_OUTLIVED_MS). */
function outlived(judge: Judge, claim: string): boolean {
  try {
    return judge.now() - lstatSync(claim).mtimeMs > CLAIM_OUTLIVED_MS;
  } catch {
    return false;
  }
}

/**
 * Replaces `target`, which read `stale`, by a link to `text`, if it still reads `stale`. POSIX has no "remove if
 * unchanged": moving the lock aside and linking it back if it was not the stale one let a third start take the
 * lock in between, and two services ran on one directory (test/service/instance-lock-race.test.ts). So a takeover
 * first claims the stale text: a link `<target>.<stale text>.taking`, made in one step that fails if it exists, so
 * one start at a time judges that text, and checks under its claim that the target still reads it. The target is
 * then replaced by rename, never removed, so no start's plain link can slip in, and a start that read the same stale
 * text later finds the target changed and takes nothing. A claim left by a taker that died (its pid gone, running
 * a process started after the claim, or the claim older than any takeover takes) is taken over the same way, one
 * level down (`depth`).
 */
function replaceStale(
  target: string,
  stale: string,
  text: string,
  judge: Judge,
  depth: number,
): 'replaced' | 'changed' | { busy: string } {
  const claim = `${target}.${nameOf(stale)}.taking`;
  for (;;) {
    try {
      symlinkSync(text, claim);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(claim, error);
    }
    const claimed = readLock(claim);
    if (claimed === undefined) continue; // its taker is done: claim it ourselves
    const taker = parseLock(claimed);
    const live = taker && taker.pid !== judge.pid && alive(judge, taker, claim) && !outlived(judge, claim);
    if (depth >= MAX_DEPTH || live) return { busy: claim };
    const outcome = replaceStale(claim, claimed, text, judge, depth + 1);
    if (outcome === 'replaced') break;
    if (outcome !== 'changed') return outcome;
  }
  try {
    if (readLock(target) !== stale) return 'changed';
    const fresh = `${target}.${judge.pid}.new`;
    try {
      unlinkSync(fresh); // one a dead process of our pid left
    } catch {}
    try {
      symlinkSync(text, fresh);
    } catch (error) {
      throw unwritable(fresh, error);
    }
    renameSync(fresh, target);
    return 'replaced';
  } finally {
    releaseIfOurs(claim, text);
  }
}

/** A lock's text as part of a file name: a hand-made lock may hold anything. */
function nameOf(text: string): string {
  return text
    .trim()
    .replace(/[^0-9A-Za-z-]/g, '_')
    .slice(0, 80);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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
