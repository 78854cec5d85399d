import { accessSync, constants, statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { F2bCampaignError } from '../core/errors.js';
import { STDIN } from '../parse/line-reader.js';

/** A file named on the command line, checked. */
export interface InputFile {
  readonly path: string;
  /** Its modification time, ms. */
  readonly mtime: number;
  /** What it is whatever its name (device and inode): `auth.log`, `./auth.log`, a link to it, `-` redirected from it. */
  readonly id: string;
  /** It can be read once only: a pipe, or standard input (whatever it is: its readers share one offset). */
  readonly once: boolean;
}

/**
 * Checks a file named on the command line before any work starts: a missing, unreadable or unsuitable file is a
 * one-line error (exit 1), not a stack trace from deep inside a reader or a worker thread, nor a report of zero
 * events. `-` is standard input. A pipe (`zcat auth.log.2.gz | ... -`, `<(journalctl ...)`) is read as it comes:
 * it has no modification time, so a log without years in its stamps is anchored at now, as the live service is.
 * Compressed files need nothing: the readers recognise gzip by its first bytes (src/parse/line-reader.ts).
 */
export function inputFile(name: string, option: string): InputFile {
  const path = name === '-' ? STDIN : name;
  const stdin = path === STDIN;
  try {
    const stat = statSync(path);
    const id = `${stat.dev}:${stat.ino}`;
    if (stat.isFIFO() || stat.isSocket()) return { path, mtime: Date.now(), id, once: true };
    if (stdin && isatty(0)) {
      throw new F2bCampaignError('input', `${option} -: standard input is a terminal: redirect a log to it`);
    }
    if (!stat.isFile() && !stat.isCharacterDevice()) {
      throw new F2bCampaignError('input', `${option} ${name}: not a regular file${stdin ? ' (standard input)' : ''}`);
    }
    accessSync(path, constants.R_OK);
    return { path, mtime: stat.mtimeMs, id, once: stdin };
  } catch (error) {
    if (error instanceof F2bCampaignError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new F2bCampaignError('input', `${option} ${name}: cannot read it (${code})`, { cause: error });
  }
}
