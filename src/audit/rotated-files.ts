import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** One file of a rotated log set. */
export interface RotatedFile {
  readonly path: string;
  readonly gzip: boolean;
  /** Bytes on disk (compressed size for .gz): the unit progress is measured in. */
  readonly size: number;
  /** Last modification, ms: every line in a rotated file was written before it. */
  readonly mtime: number;
}

/** `log.3.gz` -> rank 3; `log-20260215.gz` -> dated; `log` itself -> current. */
const NUMBERED = /^\.(\d{1,5})(\.gz)?$/;
const DATED = /^-(\d{8,10})(\.gz)?$/;

/**
 * A log and its logrotate siblings, oldest first, so lines come out in the order they were written: numbered
 * rotations (`.1`, `.2.gz`, ...; the highest is the oldest), dateext rotations (`-20260215.gz`), then the log itself.
 * A missing log with no siblings gives an empty list.
 */
export function listRotated(path: string): RotatedFile[] {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: Array<{ file: RotatedFile; order: number; name: string }> = [];
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const rest = name.slice(base.length);
    let order: number;
    let gzip = false;
    const numbered = NUMBERED.exec(rest);
    const dated = DATED.exec(rest);
    if (rest === '') order = Number.POSITIVE_INFINITY;
    else if (numbered) {
      order = -Number(numbered[1]);
      gzip = numbered[2] !== undefined;
    } else if (dated) {
      order = 0;
      gzip = dated[2] !== undefined;
    } else continue;
    try {
      const st = statSync(join(dir, name));
      if (!st.isFile()) continue;
      found.push({ file: { path: join(dir, name), gzip, size: st.size, mtime: st.mtimeMs }, order, name });
    } catch {
      // Rotated away between readdir and stat: the next rotation holds its lines.
    }
  }
  found.sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return found.map((f) => f.file);
}
