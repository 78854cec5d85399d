import { readdirSync, type Stats, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A regular file beside a log whose name is the log's followed by `suffix` (`.1`, `.2.gz`, `-20260215`, or ''). */
export interface RotationCandidate {
  readonly path: string;
  readonly suffix: string;
  readonly stat: Stats;
}

/**
 * The regular files in a log's directory whose names start with the log's: where logrotate puts its rotations.
 * Each reader keeps the suffixes it knows (the service follows numbered plain ones, audit reads every kind). An
 * unreadable directory gives none; a file rotated away between the listing and its stat is left out, as the next
 * look will see where it went.
 */
export function rotationCandidates(path: string): RotationCandidate[] {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: RotationCandidate[] = [];
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    try {
      const stat = statSync(join(dir, name));
      if (stat.isFile()) out.push({ path: join(dir, name), suffix: name.slice(base.length), stat });
    } catch {
      // Rotated away between readdir and stat.
    }
  }
  return out;
}
