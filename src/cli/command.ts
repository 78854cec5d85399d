/** One subcommand of `f2b-campaign`. Registered in one place: src/cli/commands/index.ts. */
export interface Command {
  readonly name: string;
  /** One line for `f2b-campaign --help`. */
  readonly summary: string;
  /** The usage text printed by `f2b-campaign <name> --help` and on a usage error. */
  readonly usage: string;
  /** Returns the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}

/** Thrown for bad command-line use: main prints the message and the command's usage, and exits 64 (EX_USAGE). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
