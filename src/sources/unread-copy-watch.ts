import { type Stats, statSync } from 'node:fs';

/** A file's identity. */
interface FileId {
  readonly ino: number;
  readonly dev: number;
}

function idOf(path: string): FileId | null {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  return { ino: st.ino, dev: st.dev };
}

/**
 * A copytruncate is seen in the followed file itself: it shrank below what was read, or its first line changed. A
 * file of which nothing has been read yet (empty when opened, or rewound after a copytruncate) has neither, and a
 * copytruncate before its first byte was read left no trace in it (found in review: all the copy's lines were never
 * read). What it leaves is a new `path.1`: while nothing of the file has been read, this notes what `path.1` was,
 * and a new one is a copy of content never read, to be read whole.
 */
export class UnreadCopyWatch {
  /** What `path.1` was when watching began (null: none); undefined while not watching. */
  private at: FileId | null | undefined;

  /** Whether to watch `path`: nothing of the file followed there has been read. Notes `path.1` when it begins. */
  watch(path: string, unread: boolean): void {
    if (!unread) this.at = undefined;
    else if (this.at === undefined) this.at = idOf(`${path}.1`);
  }

  /** A `path.1` that appeared since watching began (then watching goes on from it), or null. */
  newCopy(path: string): (FileId & { readonly path: string }) | null {
    if (this.at === undefined) return null;
    const now = idOf(`${path}.1`);
    if (now === null || (this.at !== null && now.ino === this.at.ino && now.dev === this.at.dev)) return null;
    this.at = now;
    return { ...now, path: `${path}.1` };
  }
}
