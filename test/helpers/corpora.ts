import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A file of the shared corpora of real logs, read in place, never copied into the project: from where F2B_CORPORA
 * says, else the directory next to the project (../shared/corpora), else /work/shared/corpora, where a clone made
 * elsewhere (CI's) finds it. A missing file names all three in the error.
 */
export function corpusFile(name: string): string {
  const candidates = [
    process.env['F2B_CORPORA'],
    fileURLToPath(new URL('../../../shared/corpora', import.meta.url)),
    '/work/shared/corpora',
  ].filter((dir): dir is string => dir !== undefined);
  const found = candidates.find((dir) => existsSync(`${dir}/${name}`));
  if (found === undefined) throw new Error(`${name} is in none of ${candidates.join(', ')} (set F2B_CORPORA)`);
  return `${found}/${name}`;
}
