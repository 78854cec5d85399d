import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { F2bCampaignError } from '../core/errors.js';
import { setParserThreadEntry } from '../replay/parse-in-worker.js';
import { isParseJob, runParseJob } from '../replay/parse-worker.js';
import { UsageError } from './command.js';
import { COMMANDS } from './commands/index.js';

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
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name === undefined ? 64 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`f2b-campaign: unknown command ${JSON.stringify(name)}\n\n${help()}\n`);
    return 64;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      process.stderr.write(`f2b-campaign ${command.name}: ${error.message}\n\n${command.usage}\n`);
      return 64;
    }
    if (error instanceof F2bCampaignError) {
      process.stderr.write(`f2b-campaign ${command.name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** node:util parseArgs rejects unknown or malformed options with ERR_PARSE_ARGS_* errors: bad use, not a crash. */
function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_');
}

declare const __F2B_VERSION__: string | undefined;
const VERSION = typeof __F2B_VERSION__ === 'string' ? __F2B_VERSION__ : 'dev';

// The same file is the program and, started as a worker thread by `replay`, its log parser.
if (isMainThread) {
  setParserThreadEntry(new URL(import.meta.url));
  process.exitCode = await main(process.argv.slice(2));
} else if (isParseJob(workerData) && parentPort !== null) await runParseJob(workerData, parentPort);
