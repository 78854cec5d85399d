import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';

/**
 * Where a follower is in one file: which file (inode) and how far (bytes), plus a fingerprint of the file's first line
 * so that a file truncated and regrown between two looks (copytruncate) is not mistaken for the same content.
 * Persisted in the state directory; every field is plain JSON.
 */
export interface FollowPosition {
  readonly ino: number;
  readonly dev: number;
  /** Byte offset of the first byte not yet delivered (always the start of a line). */
  readonly offset: number;
  /** sha1 of the first line (up to FINGERPRINT_BYTES), null while the file has no complete first line. */
  readonly fingerprint: string | null;
  /**
   * The file's size when the position was taken (absent in older states): a rotated file that was read to its end
   * then, and is gone at a restart (compressed, removed), took its lines with it only if some came after.
   */
  readonly size?: number;
}

/** Everything needed to resume following one configured path. */
export interface FilePosition {
  readonly path: string;
  /** The file we follow under `path`; null before one was ever seen. */
  readonly current: FollowPosition | null;
  /** Files rotated away (or copies made by copytruncate) whose tail we still read, oldest first. */
  readonly retired: readonly FollowPosition[];
  /**
   * The newest rotation (`path.1`) when the position was taken, or null when there was none. After a restart, the
   * rotations newer than it were made while we were stopped; this is how a copy of content we never read is found.
   */
  readonly newestSibling?: { readonly ino: number; readonly dev: number } | null;
}

const FINGERPRINT_BYTES = 4096;

/** Hash of the first line of the file open as `fd`; null when it has no newline yet and is shorter than the cap. */
export function fingerprintFd(fd: number, size: number): string | null {
  if (size === 0) return null;
  const buffer = Buffer.alloc(Math.min(size, FINGERPRINT_BYTES));
  const read = readSync(fd, buffer, 0, buffer.length, 0);
  const head = buffer.subarray(0, read);
  const newline = head.indexOf(0x0a);
  if (newline < 0 && read < FINGERPRINT_BYTES) return null;
  const line = newline < 0 ? head : head.subarray(0, newline + 1);
  return createHash('sha1').update(line).digest('hex');
}
