/** One subcommand of `f2b-campaign`. Registered, with its one-line summary, in src/cli/commands/index.ts. */
export interface Command {
  readonly name: string;
  /** The usage text printed by `f2b-campaign <name> --help` and on a usage error. */
  readonly usage: string;
  /** Returns the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}

/** Thrown for bad command-line use: main prints the message and the command's usage, and exits 64 (EX_USAGE). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit statuses, the same for every command (listed by `f2b-campaign --help`). */
export const EXIT = {
  ok: 0,
  /** A one-line error on stderr: a file that cannot be read or written, a bad config; `check`: a check failed. */
  failure: 1,
  /** `simulate --check`: a benign source was banned. */
  benignBanned: 2,
  /** `status`: the service is not running. */
  notRunning: 3,
  /** EX_USAGE: an unknown command or option, a missing or extra argument, conflicting options. */
  usage: 64,
  /** 128 + SIGPIPE: the output's reader went away, as the shell reports for a program killed by SIGPIPE. */
  closedPipe: 141,
} as const;

/** At most this many lines of one error: a binary file given as --config is one "unknown section" per line. */
const MAX_ERROR_LINES = 20;
/** And of each line, characters. */
const MAX_ERROR_LINE = 500;

/**
 * An error message as printed after `prefix: `: control characters shown as escapes (file content quoted in a
 * message must not drive the terminal), long lines cut, and at most MAX_ERROR_LINES lines with a count of the rest.
 */
export function errorText(prefix: string, message: string): string {
  const lines = message.split('\n').map((line) => {
    const shown = line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
      c.charCodeAt(0) < 0x100
        ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`
        : `\\u${c.charCodeAt(0).toString(16)}`,
    );
    return shown.length > MAX_ERROR_LINE ? `${shown.slice(0, MAX_ERROR_LINE)}...` : shown;
  });
  if (lines.length > MAX_ERROR_LINES) {
    const more = lines.length - (MAX_ERROR_LINES - 1);
    lines.splice(MAX_ERROR_LINES - 1, lines.length, `... and ${more} more lines`);
  }
  return `${prefix}: ${lines.join('\n')}`;
}
