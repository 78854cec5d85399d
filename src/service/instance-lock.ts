import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { F2bCampaignError } from '../core/errors.js';

/** The file in state_dir naming the pid of the `run` that owns the directory, and the boot it was taken in. */
export const LOCK_FILE = 'run.lock';

export interface InstanceLock {
  readonly path: string;
  /** Removes the lock if it is still ours; called once the service has stopped and saved. */
  release(): void;
}

export interface LockOptions {
  /** Called when a lock left by a process that is gone is taken over. */
  readonly onStale?: (stalePid: number, path: string) => void;
  /** Whether `pid` is a running f2b-campaign (tests replace it). */
  readonly isRunning?: (pid: number) => boolean;
  readonly pid?: number;
  /** This boot's id (/proc/sys/kernel/random/boot_id); null where it cannot be read. */
  readonly bootId?: string | null;
}

/**
 * Takes state_dir for this process, so a second `run` on the same config refuses to start instead of reading the
 * same logs and writing every verdict twice. The lock file appears whole (written aside, then hard-linked into
 * place, which fails if it exists), so another start never reads it half written. A lock whose pid is not a
 * running f2b-campaign (a crash) or that was taken before the last boot (a power loss: its pid may now be any
 * other program's, which the unit's ProtectProc=invisible keeps it from seeing) is taken over.
 */
export function acquireInstanceLock(dir: string, options: LockOptions = {}): InstanceLock {
  const pid = options.pid ?? process.pid;
  const isRunning = options.isRunning ?? isRunningCampaign;
  const boot = options.bootId === undefined ? currentBootId() : options.bootId;
  const path = join(dir, LOCK_FILE);
  const text = `${pid} ${boot ?? '-'}\n`;
  mkdirSync(dir, { recursive: true });
  const mine = `${path}.${pid}`;
  writeLockText(mine, text, path);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, path);
        return { path, release: () => releaseIfOurs(path, text) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const held = readText(path);
      if (held === undefined) continue; // removed meanwhile: try again
      const holder = parseLock(held);
      const sameBoot = holder?.boot === null || boot === null || holder?.boot === boot;
      if (holder && holder.pid !== pid && sameBoot && isRunning(holder.pid)) {
        throw new F2bCampaignError(
          'ALREADY_RUNNING',
          `f2b-campaign is already running on ${dir} (pid ${holder.pid}, lock ${path}): stop it first ` +
            '(systemctl stop f2b-campaign), or remove the lock if that pid is not f2b-campaign',
        );
      }
      if (takeOver(path, held, pid)) options.onStale?.(holder?.pid ?? 0, path);
    }
    throw new F2bCampaignError('LOCK_CONTENDED', `cannot take ${path}: other starts keep taking it`);
  } finally {
    unlinkSync(mine);
  }
}

/**
 * Writes our lock text aside, whole. On a full disk it cannot be (the file takes a block): the start fails naming the
 * lock and the cause, and leaves no file behind; systemd tries again every RestartSec, and each try left an empty
 * `run.lock.PID` before (found in review, on a full tmpfs), with `ENOSPC: no space left on device, write` as the
 * only message.
 */
function writeLockText(mine: string, text: string, path: string): void {
  const fd = openSync(mine, 'w');
  try {
    const written = writeSync(fd, text);
    if (written < Buffer.byteLength(text)) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
  } catch (error) {
    closeSync(fd);
    unlinkSync(mine);
    const code = (error as NodeJS.ErrnoException).code;
    const full = code === 'ENOSPC' || code === 'EDQUOT' ? ": the state directory's file system is full" : '';
    throw new F2bCampaignError(
      'LOCK_UNWRITABLE',
      `cannot take ${path}: writing ${mine} failed (${(error as Error).message})${full}`,
      { cause: error },
    );
  }
  closeSync(fd);
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

/** The lock file's text; undefined when the file is gone. */
function readText(path: string): string | undefined {
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
  if (readText(aside) === stale) {
    unlinkSync(aside);
    return true;
  }
  try {
    linkSync(aside, path);
  } catch {}
  unlinkSync(aside);
  return false;
}

function releaseIfOurs(path: string, text: string): void {
  try {
    if (readText(path) === text) unlinkSync(path);
  } catch {}
}

/**
 * Alive (signal 0 reaches it, or it belongs to another user), and, where /proc shows it, an f2b-campaign: after a
 * reboot the pid in a lock left by a crash may be any other program's.
 */
export function isRunningCampaign(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('f2b-campaign');
  } catch {
    return true;
  }
}
