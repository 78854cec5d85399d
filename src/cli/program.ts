import { F2bCampaignError } from '../core/errors.js';
import { setParserEntry } from '../replay/parser-entry.js';
import { EXIT, errorText, UsageError } from './command.js';
import { COMMANDS } from './commands/index.js';
import { VERSION } from './version.js';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: f2b-campaign <command> [options]',
    '',
    "Groups SSH attack sources that each stay under fail2ban's thresholds into campaigns, and writes verdict",
    'lines that the bundled fail2ban jail bans.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "f2b-campaign <command> --help shows a command's options.",
    '',
    'exit status:',
    `  ${EXIT.ok}    done`,
    `  ${EXIT.failure}    an error, named on stderr (check: a check failed)`,
    `  ${EXIT.benignBanned}    simulate --check banned a benign source`,
    `  ${EXIT.notRunning}    status: the service is not running`,
    `  ${EXIT.usage}   bad usage: unknown command or option, missing or extra argument`,
    `  ${EXIT.closedPipe}  the reader of the output went away (\`... | head\`), as if killed by SIGPIPE`,
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`${help()}\n`);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const about = name === 'help' && rest[0] !== undefined ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (name === 'help' && rest[0] !== undefined && !about) return unknownCommand(rest[0]);
    process.stdout.write(`${about ? (await about.load()).usage : help()}\n`);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) return unknownCommand(name);
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (isClosedPipe(error)) return closedPipe();
    if (error instanceof UsageError || isParseArgsError(error)) {
      process.stderr.write(`${errorText(`f2b-campaign ${command.name}`, error.message)}\n\n${command.usage}\n`);
      return EXIT.usage;
    }
    if (error instanceof F2bCampaignError || isSystemError(error)) {
      process.stderr.write(`${errorText(`f2b-campaign ${command.name}`, error.message)}\n`);
      return EXIT.failure;
    }
    throw error;
  }
}

function unknownCommand(name: string): number {
  process.stderr.write(`f2b-campaign: unknown command ${JSON.stringify(name)}\n\n${help()}\n`);
  return EXIT.usage;
}

/** node:util parseArgs rejects unknown or malformed options with ERR_PARSE_ARGS_* errors: bad use, not a crash. */
function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_');
}

/**
 * An operating-system error (ENOENT, EACCES, EISDIR, ENOSPC, ...) that a command did not turn into a message of
 * its own: its text names the call and the path (`EACCES: permission denied, open '/x'`), which is the one line
 * an administrator needs; a stack trace would only hide it.
 */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException;
  return error instanceof Error && typeof e.code === 'string' && /^E[A-Z0-9]+$/.test(e.code) && 'syscall' in e;
}

/** A write to a pipe whose reader has gone (`f2b-campaign parse auth.log | head -1`). */
function isClosedPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/**
 * The reader went away: stop at once, quietly, with the status a program killed by SIGPIPE gets from the shell
 * (Node ignores the signal, so its writes fail with EPIPE instead). process.exit: replay's parser thread and
 * record's timer would otherwise keep the process alive.
 */
function closedPipe(): never {
  process.exit(EXIT.closedPipe);
}

/** Writes to stdout and stderr fail asynchronously too, as 'error' events: the same quiet stop for a closed pipe. */
function stopOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error) => {
    if (isClosedPipe(error)) closedPipe();
    throw error;
  });
}

/** The program, in the main thread: `parser` is the file replay starts as its parser's thread. */
export async function runProgram(parser: URL): Promise<void> {
  setParserEntry(parser);
  stopOnClosedPipe(process.stdout);
  stopOnClosedPipe(process.stderr);
  process.exitCode = await main(process.argv.slice(2));
}
