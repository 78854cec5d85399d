import { closeSync, openSync, statSync } from 'node:fs';
import { fingerprintFd } from './file-position.js';
import type { Sibling } from './rotation-siblings.js';

/** How far content was read, and its first line's hash (null: no complete first line yet). */
interface ReadContent {
  readonly fingerprint: string | null;
  readonly offset: number;
}

/**
 * Whether `sibling` (a numbered rotation) is the copy a copytruncate made of content read up to `read.offset`: it
 * begins with the same first line and holds at least what was read. Content with no first line yet has no copy to
 * go by (UnreadCopyWatch looks after it).
 */
export function isCopyOf(sibling: Sibling, read: ReadContent): boolean {
  return read.fingerprint !== null && sibling.size >= read.offset && fingerprintPath(sibling.path) === read.fingerprint;
}

function fingerprintPath(path: string): string | null {
  const fd = openSync(path, 'r');
  try {
    return fingerprintFd(fd, statSync(path).size);
  } finally {
    closeSync(fd);
  }
}
