import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { F2bCampaignError } from '../core/errors.js';

/**
 * Replaces `path` with `text` so that a reader (or a restart after kill -9 or power loss) sees either the old
 * content or the new, never a mix: write a temporary file beside it, fsync, rename over, fsync the directory.
 * `durable` false skips the fsyncs (the status file in /run: atomic for readers, no need to survive power loss).
 * `fits` is asked before each piece is written whether there is room for it; when there is not, the write fails
 * (NO_ROOM) as one that failed with ENOSPC. Returns the bytes written.
 */
export function writeFileAtomic(
  path: string,
  text: string | Iterable<string>,
  mode = 0o640,
  durable = true,
  fits: (bytes: number) => boolean = () => true,
): number {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = temporaryOf(path, process.pid);
  const fd = openFresh(temp, mode);
  let written = 0;
  try {
    // write(2) may take only part of the buffer (a disk filling up, a file size limit) without an error; writeSync
    // then returns the short count. Renaming a half-written file over the good one would be the worst outcome, so
    // write until all of it is in or write(2) fails (ENOSPC, EFBIG).
    // Text in pieces is written a piece at a time (the state file: never the whole of it in memory).
    for (const piece of typeof text === 'string' ? [text] : text) {
      const bytes = Buffer.from(piece, 'utf8');
      if (!fits(bytes.length)) {
        throw new F2bCampaignError('NO_ROOM', `no room for ${bytes.length} more bytes of ${temp} (${written} written)`);
      }
      for (let done = 0; done < bytes.length; ) {
        const n = writeSync(fd, bytes, done, bytes.length - done);
        if (n === 0) throw Object.assign(new Error(`no progress writing ${temp}`), { code: 'EIO' });
        done += n;
      }
      written += bytes.length;
    }
    if (durable) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    // The old file stays as it was; the partial temporary file would only hold disk space.
    try {
      unlinkSync(temp);
    } catch {
      // Already gone: nothing to clean up.
    }
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  if (!durable) return written;
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
  return written;
}

/**
 * `temp` made anew (O_EXCL, which never follows a link): a name already there, left by a crash of a process that had
 * this pid or planted as a link to another file, is removed, never written through.
 */
function openFresh(temp: string, mode: number): number {
  try {
    return openSync(temp, 'wx', mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  try {
    unlinkSync(temp);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return openSync(temp, 'wx', mode);
}

function temporaryOf(path: string, pid: number): string {
  return `${path}.${pid}.tmp`;
}

/**
 * Removes the temporary files that writes of `path` by other processes left behind, cut short by kill -9 or a power
 * loss (no later write takes another process's name, and after a flood each was as large as the state file).
 * Returns their names.
 */
export function removeLeftTemporaries(path: string): string[] {
  const dir = dirname(path);
  const own = basename(temporaryOf(path, process.pid));
  const prefix = `${basename(path)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed; // no directory yet: nothing left behind
  }
  for (const name of names) {
    if (name === own || !name.startsWith(prefix) || !/^\d+\.tmp$/.test(name.slice(prefix.length))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // Gone meanwhile.
    }
  }
  return removed;
}
