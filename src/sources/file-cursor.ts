import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type FollowPosition, fingerprintFd } from './file-position.js';

/** Bytes read per read(2); a line longer than this is delivered cut (the parser counts over-long lines). */
const CHUNK_BYTES = 256 * 1024;

/**
 * An open file and a byte offset in it. Reads whole lines only: the offset never stops inside a line, so what is
 * persisted is always a line boundary, whatever bytes (invalid UTF-8 included) the lines hold.
 */
export class FileCursor {
  readonly fd: number;
  readonly ino: number;
  readonly dev: number;
  offset: number;
  fingerprint: string | null;
  /** Wall-clock ms of the last time this cursor delivered or found the file growing. */
  lastActivity: number;
  private readonly buffer = Buffer.alloc(CHUNK_BYTES);

  private constructor(fd: number, ino: number, dev: number, offset: number, fingerprint: string | null, now: number) {
    this.fd = fd;
    this.ino = ino;
    this.dev = dev;
    this.offset = offset;
    this.fingerprint = fingerprint;
    this.lastActivity = now;
  }

  /** Opens `path` at `offset` ('end' = its current size). Throws the fs error (ENOENT, EACCES) to the caller. */
  static open(path: string, offset: number | 'end', now: number, savedFingerprint?: string | null): FileCursor {
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      const at = offset === 'end' ? st.size : offset;
      // A saved fingerprint is kept as is, so the first look compares the file against what we read before.
      const fingerprint = savedFingerprint !== undefined ? savedFingerprint : fingerprintFd(fd, st.size);
      return new FileCursor(fd, st.ino, st.dev, at, fingerprint, now);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  position(): FollowPosition {
    const size = this.stat().size;
    return { ino: this.ino, dev: this.dev, offset: this.offset, fingerprint: this.fingerprint, size };
  }

  /** Size and link count of the open file (nlink 0: deleted, we hold the last reference). */
  stat(): { size: number; nlink: number } {
    const st = fstatSync(this.fd);
    return { size: st.size, nlink: st.nlink };
  }

  /** Whether the file's first line is no longer the one we fingerprinted: it was truncated and written anew. */
  restarted(size: number): boolean {
    if (size < this.offset) return true;
    if (this.fingerprint === null) return false;
    const now = fingerprintFd(this.fd, size);
    return now !== this.fingerprint;
  }

  /** Back to the start of the same file (after copytruncate). */
  rewind(): void {
    this.offset = 0;
    this.fingerprint = null;
  }

  /**
   * Delivers complete lines from the offset on, at most `budget` bytes. `final` also delivers a last line that has no
   * newline (a retired file nobody will write to again). Returns true when it stopped on the budget, not at EOF.
   */
  drain(onLine: (line: string) => void, budget: number, now: number, final = false): boolean {
    let used = 0;
    while (used < budget) {
      const read = readSync(this.fd, this.buffer, 0, CHUNK_BYTES, this.offset);
      if (read === 0) return false;
      if (this.fingerprint === null && this.offset === 0) this.fingerprint = fingerprintFd(this.fd, read);
      const chunk = this.buffer.subarray(0, read);
      const base = this.offset;
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        const line = chunk.toString('utf8', start, nl);
        start = nl + 1;
        this.offset = base + start;
        onLine(line);
      }
      if (start === 0 && (read === CHUNK_BYTES || final)) {
        // No newline in a whole chunk (or a last unterminated line): deliver what there is rather than stall.
        this.offset = base + read;
        onLine(chunk.toString('utf8'));
        start = read;
      }
      if (start === 0) return false;
      used += start;
      this.lastActivity = now;
      if (read < CHUNK_BYTES && !(final && start < read)) return false;
    }
    return true;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed: nothing to release.
    }
  }
}
