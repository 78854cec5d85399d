import { accessSync, constants, statSync } from 'node:fs';
import { F2bCampaignError } from '../core/errors.js';

/**
 * Checks a file named on the command line before any work starts: a missing, unreadable or non-regular file is
 * a one-line error (exit 1), not a stack trace from deep inside a reader or a worker thread. Returns its mtime.
 */
export function inputFile(path: string, option: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new F2bCampaignError('input', `${option} ${path}: not a regular file`);
    accessSync(path, constants.R_OK);
    return stat.mtimeMs;
  } catch (error) {
    if (error instanceof F2bCampaignError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new F2bCampaignError('input', `${option} ${path}: cannot read it (${code})`, { cause: error });
  }
}
