import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { F2bCampaignError } from '../core/errors.js';

/** A file named on the command line, checked. */
export interface InputFile {
  readonly path: string;
  /** Its modification time, ms. */
  readonly mtime: number;
}

/**
 * Checks a file named on the command line before any work starts: a missing, unreadable, compressed or non-regular
 * file is a one-line error (exit 1), not a stack trace from deep inside a reader or a worker thread, nor a report of
 * zero events. Standard input (`-`) is read when it is redirected from a file. A pipe is refused with a message of its
 * own: the readers read at positions (src/parse/line-reader.ts), which a pipe cannot serve (ESPIPE).
 */
export function inputFile(name: string, option: string): InputFile {
  // `-` is standard input: usable when it is a file (`parse - < auth.log`), as /dev/stdin is.
  const path = name === '-' ? '/dev/stdin' : name;
  const stdin = path === '/dev/stdin';
  try {
    const stat = statSync(path);
    if (stat.isFIFO() || stat.isSocket()) {
      throw new F2bCampaignError(
        'input',
        `${option} ${name}: ${stdin ? 'standard input is a pipe, which' : 'a pipe'} cannot be read, only a file: ` +
          'save it to one first (e.g. journalctl -u ssh -o short-iso > FILE, zcat auth.log.2.gz > FILE)',
      );
    }
    if (!stat.isFile()) {
      throw new F2bCampaignError('input', `${option} ${name}: not a regular file${stdin ? ' (standard input)' : ''}`);
    }
    accessSync(path, constants.R_OK);
    if (isGzip(path)) {
      throw new F2bCampaignError(
        'input',
        `${option} ${name}: gzip-compressed: decompress it first (zcat ${stdin ? 'FILE.gz' : name} > FILE)`,
      );
    }
    return { path, mtime: stat.mtimeMs };
  } catch (error) {
    if (error instanceof F2bCampaignError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new F2bCampaignError('input', `${option} ${name}: cannot read it (${code})`, { cause: error });
  }
}

/** A rotated log (`auth.log.2.gz`) read as text is binary noise: every line skipped, zero events, exit 0. */
function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}
