import { closeSync, fchownSync, fstatSync, mkdirSync, openSync, type Stats, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { markedTail } from './marked-text.js';
import type { VerdictLogMark } from './verdict-dedupe.js';

/** Which file a line went to: by inode and device, as rotations are told. */
export interface FileId {
  readonly ino: number;
  readonly dev: number;
}

/**
 * The verdict log as the writer holds it open: which file the path named when opened, and how long that file is at
 * least. A rename (logrotate's `create`) is told by the path naming another file; a truncation in place
 * (copytruncate) by the file being shorter than that.
 */
export class VerdictLogFile {
  private fd: number | null = null;
  private ino = -1;
  private dev = -1;
  /**
   * How long the open file is at least: its size when opened plus every byte written since. Smaller, it was truncated
   * (copytruncate). Counted, not read back after a write: a truncation between a check and our write leaves the file
   * holding that write alone, which a size read after it would take for the whole file.
   */
  private end = 0;

  constructor(private readonly path: string) {}

  get isOpen(): boolean {
    return this.fd !== null;
  }

  /** Whether the open file (the last one opened, when none is) is `file`. */
  is(file: FileId): boolean {
    return file.ino === this.ino && file.dev === this.dev;
  }

  get id(): FileId {
    return { ino: this.ino, dev: this.dev };
  }

  /**
   * Opens the path for appending, creating it (and its directory) if missing; throws when it cannot. Returns whether
   * it names another file than the one opened before.
   */
  open(): boolean {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true });
    const fd = openSync(this.path, 'a', 0o640);
    let st = fstatSync(fd);
    if (st.size === 0) {
      // A file we just made (the old one deleted) would get the service's own group; the packaged directory is
      // group adm, as logrotate's and tmpfiles' files are, so admins can read the verdicts without root.
      try {
        const group = statSync(dir).gid;
        if (st.gid !== group) {
          fchownSync(fd, -1, group);
          st = fstatSync(fd);
        }
      } catch {
        // Not a member of that group (a test, a custom path): the file keeps ours.
      }
    }
    const other = !this.is(st);
    this.fd = fd;
    this.ino = st.ino;
    this.dev = st.dev;
    this.end = st.size;
    return other;
  }

  /** Whether the path no longer names the open file (moved away, or deleted). */
  movedAway(): boolean {
    try {
      return !this.is(statSync(this.path));
    } catch {
      return true;
    }
  }

  /**
   * The open file's size and the size it had at least, when it is now shorter (truncated in place); null otherwise.
   * The size found is then what it has at least.
   */
  truncated(): { size: number; expected: number } | null {
    let st: Stats;
    try {
      st = fstatSync(this.fd!);
    } catch {
      return null;
    }
    // A device or a pipe (/dev/null, a test's FIFO) has no size to go by: every check would find it "truncated".
    if (!st.isFile() || st.size >= this.end) return null;
    const expected = this.end;
    this.end = st.size;
    return { size: st.size, expected };
  }

  /** One write(2) of `data` to the open file; how many bytes it took. */
  write(data: Buffer): number {
    const n = writeSync(this.fd!, data);
    this.end += n;
    return n;
  }

  /** Where the file ends now (the open one, else the path's): lines after this mark were written after it. */
  mark(): VerdictLogMark | null {
    try {
      const st = this.fd === null ? statSync(this.path) : fstatSync(this.fd);
      const tail = markedTail(this.path, st);
      return { ino: st.ino, dev: st.dev, size: st.size, ...(tail === undefined ? {} : { tail }) };
    } catch {
      return null;
    }
  }

  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // Closing a descriptor whose file is gone cannot fail in a way we can act on.
    }
    this.fd = null;
  }
}
