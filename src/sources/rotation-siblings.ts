import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const siblings: Sibling[] = [];
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const rank = RANK.exec(name.slice(base.length));
    if (!rank) continue;
    try {
      const st = statSync(join(dir, name));
      if (!st.isFile()) continue;
      siblings.push({ path: join(dir, name), rank: Number(rank[1]), ino: st.ino, dev: st.dev, size: st.size });
    } catch {
      // Rotated away between readdir and stat: it will be seen at the next look.
    }
  }
  return siblings.sort((a, b) => a.rank - b.rank);
}
