import { existsSync, renameSync, writeFileSync } from 'node:fs';

/**
 * One rename-and-create rotation, as logrotate makes it without `compress`: `path.N` becomes `path.N+1` (highest
 * first), `path` becomes `path.1`, and a new `path` holds `content`.
 */
export function renameRotate(path: string, content: string): void {
  let highest = 0;
  while (existsSync(`${path}.${highest + 1}`)) highest++;
  for (let k = highest; k >= 1; k--) renameSync(`${path}.${k}`, `${path}.${k + 1}`);
  renameSync(path, `${path}.1`);
  writeFileSync(path, content);
}
