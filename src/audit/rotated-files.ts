import { rotationCandidates } from '../sources/rotation-candidates.js';

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
  const found: Array<{ file: RotatedFile; order: number; suffix: string }> = [];
  for (const { path: file, suffix, stat } of rotationCandidates(path)) {
    let order: number;
    let gzip = false;
    const numbered = NUMBERED.exec(suffix);
    const dated = DATED.exec(suffix);
    if (suffix === '') order = Number.POSITIVE_INFINITY;
    else if (numbered) {
      order = -Number(numbered[1]);
      gzip = numbered[2] !== undefined;
    } else if (dated) {
      order = 0;
      gzip = dated[2] !== undefined;
    } else continue;
    found.push({ file: { path: file, gzip, size: stat.size, mtime: stat.mtimeMs }, order, suffix });
  }
  found.sort((a, b) => a.order - b.order || (a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0));
  return found.map((f) => f.file);
}
