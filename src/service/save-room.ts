import { statfsSync } from 'node:fs';

/** What a save may take of the file system holding the state: what is free, and what it must leave to others. */
export interface SaveRoom {
  /** Bytes this process may still take (statfs bavail). */
  readonly free: number;
  /** Bytes a save leaves free (keepFree). */
  readonly keep: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * Bytes a state save leaves free for the other writers of its file system: 1% of it, at least 16 kB (a few blocks)
 * and at most 16 MB. The state directory (/var/lib) usually shares its file system with /var/log: a save that took
 * the last blocks, even for the instant before it failed and deleted its temporary file, could cost rsyslog an
 * auth.log line, fail2ban a ban, or us a verdict line.
 */
export function keepFree(size: number): number {
  return Math.min(16 * MIB, Math.max(16 * KIB, Math.floor(size / 100)));
}

/**
 * The room on the file system holding `dir`, or null where it cannot be told: `dir` missing (a first start makes
 * it), or a file system that reports no size (a tmpfs mounted without one, some FUSE ones). bavail, not bfree: the
 * blocks an unprivileged process may take (the package's service user); run as root, the save still leaves root's
 * reserve (ext4's 5%) to the logs and fail2ban.
 */
export function saveRoom(dir: string): SaveRoom | null {
  let fs: ReturnType<typeof statfsSync>;
  try {
    fs = statfsSync(dir);
  } catch {
    return null;
  }
  if (fs.blocks <= 0) return null;
  return { free: fs.bavail * fs.bsize, keep: keepFree(fs.blocks * fs.bsize) };
}
