import { rotationCandidates } from './rotation-candidates.js';

/** A rotated copy of a followed file: `auth.log.1` has rank 1 (newest), `auth.log.2` rank 2, ... */
export interface Sibling {
  readonly path: string;
  readonly rank: number;
  readonly ino: number;
  readonly dev: number;
  readonly size: number;
}

const RANK = /^\.(\d{1,4})$/;

/**
 * The numbered rotations of `path` (compressed ones are ignored: Debian's delaycompress keeps `.1` plain), newest
 * first. Used to find where a file we followed went, and which newer rotations we never saw.
 */
export function listSiblings(path: string): Sibling[] {
  const siblings: Sibling[] = [];
  for (const { path: sibling, suffix, stat } of rotationCandidates(path)) {
    const rank = RANK.exec(suffix);
    if (rank) siblings.push({ path: sibling, rank: Number(rank[1]), ino: stat.ino, dev: stat.dev, size: stat.size });
  }
  return siblings.sort((a, b) => a.rank - b.rank);
}
