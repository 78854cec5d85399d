import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Replaces `path` with `text` so that a reader (or a restart after kill -9 or power loss) sees either the old
 * content or the new, never a mix: write a temporary file beside it, fsync, rename over, fsync the directory.
 * `durable` false skips the fsyncs (the status file in /run: atomic for readers, no need to survive power loss).
 */
export function writeFileAtomic(path: string, text: string, mode = 0o640, durable = true): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, text);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  if (!durable) return;
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  }
}
