import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { F2bCampaignError } from '../core/errors.js';

/**
 * Makes sure `path` is a directory, creating what is missing one level at a time, or says in one line why it
 * cannot be. Not mkdir's `recursive` option: under /proc (`--out /proc/x`) the kernel answers ENOENT for the new
 * directory and EEXIST for its parent, and Node's recursive mkdir retries the two for ever at full CPU.
 */
export function outputDirectory(path: string, option: string): void {
  const missing: string[] = [];
  let at = resolve(path);
  for (;;) {
    const kind = kindOf(at);
    if (kind === 'directory') break;
    if (kind === 'other') {
      throw new F2bCampaignError('output', `${option} ${path}: ${at} exists and is not a directory`);
    }
    if (kind !== 'missing') throw new F2bCampaignError('output', `${option} ${path}: cannot use ${at} (${kind})`);
    missing.unshift(at);
    if (dirname(at) === at) break;
    at = dirname(at);
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new F2bCampaignError('output', `${option} ${path}: cannot create ${dir} (${code})`, { cause: error });
    }
  }
}

/** What is at `path`, or the error code that keeps us from knowing (ENOTDIR, EACCES, ELOOP: mkdir fails too). */
function kindOf(path: string): string {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return code === 'ENOENT' ? 'missing' : code;
  }
}
