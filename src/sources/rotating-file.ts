import { type Stats, statSync } from 'node:fs';
import { isCopyOf } from './copytruncate-copy.js';
import { FileCursor } from './file-cursor.js';
import type { FilePosition } from './file-position.js';
import { listSiblings, type Sibling } from './rotation-siblings.js';
import { UnreadCopyWatch } from './unread-copy-watch.js';

export interface RotatingFileOptions {
  readonly path: string;
  readonly onLine: (line: string) => void;
  /** With no saved position, where to begin in a file that is already there at the first look. */
  readonly startAt: 'start' | 'end';
  readonly position?: FilePosition | null;
  /** How long a file rotated away is still read for late lines after it last grew (rsyslog writes until its HUP). */
  readonly graceMs?: number;
  readonly clock?: () => number;
  /** Rotation, truncation and loss notices, for the service log. */
  readonly onNotice?: (event: string, detail: Record<string, unknown>) => void;
}

/** Bytes delivered per look before yielding to the event loop. */
const BUDGET_BYTES = 8 * 1024 * 1024;

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Follows one log path across rename-and-create, copytruncate and delete-and-recreate, reading every byte of every
 * file that was ever at the path exactly once, and resuming from a saved FilePosition. Synchronous by design: a
 * look (`poll`) reads, delivers and moves the offset in one go, so a position taken between two looks always
 * matches exactly the lines delivered. See docs/service.md for the rules and their one known limit.
 */
export class RotatingFile {
  private readonly options: RotatingFileOptions;
  private readonly clock: () => number;
  private readonly graceMs: number;
  private current: FileCursor | null = null;
  private retired: FileCursor[] = [];
  private restorePending: boolean;
  private firstLook = true;
  private readonly unread = new UnreadCopyWatch();
  /** The position at close(), so it can still be saved after the files are released. */
  private closedAt: FilePosition | null = null;

  constructor(options: RotatingFileOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.graceMs = options.graceMs ?? 60_000;
    this.restorePending = options.position != null;
  }

  /** Looks once. Returns true when it stopped on its byte budget and should be called again at once. */
  poll(): boolean {
    const more = this.look();
    // Noted now, before anything more is written: the copy a copytruncate makes next is then a new `path.1`.
    this.unread.watch(this.options.path, this.current !== null && this.current.fingerprint === null);
    return more;
  }

  private look(): boolean {
    const now = this.clock();
    if (this.restorePending) this.restore(now);
    const first = this.firstLook;
    this.firstLook = false;
    for (const cursor of [...this.retired]) {
      const { size, nlink } = cursor.stat();
      if (nlink > 0 && cursor.restarted(size)) this.truncated(cursor, now);
      if (cursor.drain(this.options.onLine, BUDGET_BYTES, now)) return true;
      if (now - cursor.lastActivity > this.graceMs) {
        cursor.drain(this.options.onLine, BUDGET_BYTES, now, true);
        cursor.close();
        this.retired = this.retired.filter((c) => c !== cursor);
      }
    }
    const current = this.current;
    if (!current) return this.openFresh(now, first);
    const copy = this.unread.newCopy(this.options.path);
    if (copy && !this.known(copy)) {
      // Content written and copied away before its first byte was read (UnreadCopyWatch): read whole, first.
      const reader = this.tryOpen(copy.path, 0, now);
      if (reader) this.retired.push(reader);
      this.options.onNotice?.('truncated', { path: this.options.path, copy: copy.path, unread: true });
      return true;
    }
    const { size, nlink } = current.stat();
    if (nlink > 0 && current.restarted(size)) {
      this.truncated(current, now);
      // Look again at once: the copy's unread tail (now retired) comes before the file's new content.
      return true;
    }
    if (current.drain(this.options.onLine, BUDGET_BYTES, now)) return true;
    const st = statOrNull(this.options.path);
    if (st && (nlink === 0 || st.ino !== current.ino || st.dev !== current.dev)) {
      this.rotated(current, now, nlink === 0);
      return true;
    }
    return false;
  }

  /** Where we are, for the state file. Before the first look, the position we were given. */
  position(): FilePosition {
    if (this.closedAt) return this.closedAt;
    if (this.restorePending && this.options.position) return this.options.position;
    const newest = listSiblings(this.options.path)[0];
    // A deleted file cannot be reopened after a restart, and its inode number may be reused by a new file that a
    // stale position would then skip into: deleted files are not persisted.
    const alive = (c: FileCursor) => c.stat().nlink > 0;
    return {
      path: this.options.path,
      current: this.current && alive(this.current) ? this.current.position() : null,
      retired: this.retired.filter(alive).map((c) => c.position()),
      newestSibling: newest ? { ino: newest.ino, dev: newest.dev } : null,
    };
  }

  /** Whether a file is open under the path (false: waiting for it to appear). */
  following(): boolean {
    return this.current !== null;
  }

  close(): void {
    if (this.closedAt) return;
    this.closedAt = this.position();
    this.current?.close();
    for (const cursor of this.retired) cursor.close();
    this.current = null;
    this.retired = [];
  }

  /** Opens the file the path names; `first`: at the first look, where start_at = end means its end. */
  private openFresh(now: number, first: boolean): boolean {
    if (!statOrNull(this.options.path)) return false;
    const atEnd = first && this.options.startAt === 'end' && !this.options.position;
    this.current = this.tryOpen(this.options.path, atEnd ? 'end' : 0, now);
    return this.current !== null;
  }

  private tryOpen(path: string, offset: number | 'end', now: number, fingerprint?: string | null): FileCursor | null {
    try {
      return FileCursor.open(path, offset, now, fingerprint);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  private known(file: { readonly ino: number; readonly dev: number }): boolean {
    const same = (c: FileCursor) => c.ino === file.ino && c.dev === file.dev;
    return (this.current !== null && same(this.current)) || this.retired.some(same);
  }

  /** Rotations newer than `rank` that we never saw (two rotations between two looks): read them whole. */
  private catchUp(rank: number, now: number): void {
    const newer = listSiblings(this.options.path)
      .filter((s) => s.rank < rank && !this.known(s))
      .sort((a, b) => b.rank - a.rank);
    for (const sibling of newer) {
      const cursor = this.tryOpen(sibling.path, 0, now);
      if (cursor) this.retired.push(cursor);
      this.options.onNotice?.('catch-up', { path: sibling.path });
    }
  }

  /**
   * The path now names another file: keep reading the old one for late lines, start the new one from byte 0. The
   * notice says where the old one went: `auth.log.N`; out of sight (another directory, a dateext name), or deleted
   * (`recreated`). Read the same in each case, through the descriptor we hold.
   */
  private rotated(old: FileCursor, now: number, deleted: boolean): void {
    old.lastActivity = now;
    this.retired.push(old);
    const at = listSiblings(this.options.path).find((s) => s.ino === old.ino && s.dev === old.dev);
    if (at) this.options.onNotice?.('rotated', { path: this.options.path, movedTo: at.path });
    else if (deleted) this.options.onNotice?.('recreated', { path: this.options.path, oldFile: 'deleted' });
    else this.options.onNotice?.('rotated', { path: this.options.path, movedTo: null, oldFile: 'moved-elsewhere' });
    if (at) this.catchUp(at.rank, now);
    this.current = this.tryOpen(this.options.path, 0, now);
  }

  /**
   * Same file, new content (copytruncate): finish the old content from its copy, then read the file from 0.
   * `whileStopped`: found at a restart, with the copy restore() already opened (if any). A file emptied or replaced
   * while we were stopped whose old content is nowhere to be found has lost its unread tail, and says so.
   */
  private truncated(cursor: FileCursor, now: number, whileStopped?: { readonly copy: string | null }): void {
    const copy = whileStopped?.copy ? undefined : this.findCopy(cursor);
    const copyPath = whileStopped?.copy ?? copy?.path ?? null;
    if (whileStopped && copyPath === null) {
      this.options.onNotice?.('lost', { path: this.options.path, ino: cursor.ino, offset: cursor.offset });
    } else {
      const when = whileStopped ? { whileStopped: true } : {};
      this.options.onNotice?.('truncated', { path: this.options.path, copy: copyPath, ...when });
    }
    if (copy) {
      const reader = this.tryOpen(copy.path, cursor.offset, now);
      if (reader) this.retired.push(reader);
      this.catchUp(copy.rank, now);
    }
    cursor.rewind();
  }

  private findCopy(cursor: FileCursor): Sibling | undefined {
    if (cursor.fingerprint === null) return undefined;
    return listSiblings(this.options.path).find((s) => !this.known(s) && isCopyOf(s, cursor));
  }

  /** Reopens what the saved position names, wherever rotation moved it while we were not running. */
  private restore(now: number): void {
    this.restorePending = false;
    const saved = this.options.position;
    if (!saved) return;
    const siblings = listSiblings(this.options.path);
    // By inode number alone: the files looked at are the path and its rotations, in one directory and so on one file
    // system, whose device number a reboot may change (LVM's dm-N in activation order; btrfs and ZFS number theirs
    // at mount). A number reused by another file is told by its first line (the saved fingerprint), as on one device.
    const same = (a: { ino: number }, b: { ino: number }) => a.ino === b.ino;
    const path = statOrNull(this.options.path);
    for (const old of saved.retired) {
      const at = path && same(path, old) ? this.options.path : siblings.find((s) => same(s, old))?.path;
      const cursor = at ? this.tryOpen(at, old.offset, now, old.fingerprint) : null;
      if (cursor) this.retired.push(cursor);
      else {
        // Read to its end at the last save: only lines written to it after that (late ones) can have gone with it.
        const read = old.size !== undefined && old.offset >= old.size;
        this.options.onNotice?.(read ? 'retired-gone' : 'lost', {
          path: this.options.path,
          ino: old.ino,
          offset: old.offset,
        });
      }
    }
    const last = saved.current;
    // Rotations made while we were stopped: newer than the newest one we knew. Unknown marker: cannot tell.
    const marker = saved.newestSibling ?? null;
    const markerAt = marker ? siblings.find((s) => same(s, marker)) : undefined;
    const newer = marker === null ? siblings : markerAt ? siblings.filter((s) => s.rank < markerAt.rank) : null;
    /** Where restore found a copytruncate copy of `last`, opened at its offset. */
    let copyOfLast: string | null = null;
    if (newer) {
      for (const sibling of [...newer].sort((a, b) => b.rank - a.rank)) {
        if (this.known(sibling)) continue;
        const copy = last !== null && !same(sibling, last) && isCopyOf(sibling, last);
        const ours = last && (same(sibling, last) || copy);
        const cursor = ours
          ? this.tryOpen(sibling.path, last.offset, now, last.fingerprint)
          : this.tryOpen(sibling.path, 0, now);
        if (cursor) this.retired.push(cursor);
        if (cursor && copy) copyOfLast = sibling.path;
      }
    }
    if (!last) {
      if (path) this.current = this.adoptPath(path, now);
      return;
    }
    if (path && same(path, last)) {
      const cursor = this.tryOpen(this.options.path, last.offset, now, last.fingerprint);
      this.current = cursor;
      // Truncated while we were stopped (copytruncate), or deleted and made anew with the same inode number.
      if (cursor?.restarted(cursor.stat().size)) this.truncated(cursor, now, { copy: copyOfLast });
      return;
    }
    const moved = siblings.find((s) => same(s, last));
    if (moved) {
      this.options.onNotice?.('rotated', { path: this.options.path, movedTo: moved.path, whileStopped: true });
      if (!this.known(moved)) {
        const cursor = this.tryOpen(moved.path, last.offset, now, last.fingerprint);
        if (cursor) this.retired.push(cursor);
        this.catchUp(moved.rank, now);
      }
    } else {
      this.options.onNotice?.('lost', { path: this.options.path, ino: last.ino, offset: last.offset });
    }
    if (path) this.current = this.adoptPath(path, now);
  }

  /** The file now at the path: one already open (an inode number reused after a delete), else opened at 0. */
  private adoptPath(path: Stats, now: number): FileCursor | null {
    const open = this.retired.find((c) => c.ino === path.ino && c.dev === path.dev);
    if (!open) return this.tryOpen(this.options.path, 0, now);
    this.retired = this.retired.filter((c) => c !== open);
    return open;
  }
}
