import { closeSync, openSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultValues, loadConfig } from '../../config/load-config.js';
import { F2bCampaignError } from '../../core/errors.js';
import { DEBIAN_DEFAULT_THRESHOLDS, type Fail2banThresholds } from '../../core/fail2ban-thresholds.js';
import { readFail2banThresholds } from '../../fail2ban/read-thresholds.js';
import { parserEntry } from '../../replay/parser-entry.js';
import { startParserThread } from '../../replay/parser-thread.js';
import type { ReplayJob, ReplaySummary } from '../../replay/replay-job.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { limitHeapGrowth } from '../heap-growth.js';
import { inputFile } from '../input-file.js';

const usage = `usage: f2b-campaign replay --auth-log FILE... [--sockets TRACE] [--verdicts OUT] [--config FILE]
                           [--fail2ban-dir DIR | --fail2ban-defaults] [--headerless]

Runs the whole pipeline over historic input on the log's own clock, as fast as the CPU allows, and writes
verdict lines to OUT (else stdout). A summary goes to stderr, and so does each warning about fail2ban's
configuration (a jail file that cannot be read, a missing or disabled sshd jail).

  --auth-log FILE       sshd log (auth.log, a journal export as text, or \`sshd -E\` output with --headerless);
                        repeat it for a rotated set, oldest first (auth.log.2.gz, auth.log.1, auth.log): read as
                        one log. .gz files are decompressed; - (or <(command)) reads a pipe
  --sockets TRACE       socket trace recorded with \`f2b-campaign record\` (docs/socket-trace.md)
  --verdicts OUT        append verdict lines to OUT instead of writing them to stdout
  --config FILE         f2b-campaign.conf with [detection] and [alerts] settings (defaults otherwise)
  --fail2ban-dir DIR    read fail2ban's sshd thresholds and ignoreip from DIR (default /etc/fail2ban)
  --fail2ban-defaults   ignore the local fail2ban, use Debian's defaults (5 failures in 10 minutes)
  --headerless          lines carry no timestamp (sshd -E): they get the file's modification time`;

export const replayCommand: Command = {
  name: 'replay',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        'auth-log': { type: 'string', multiple: true },
        sockets: { type: 'string' },
        verdicts: { type: 'string' },
        config: { type: 'string' },
        'fail2ban-dir': { type: 'string' },
        'fail2ban-defaults': { type: 'boolean', default: false },
        headerless: { type: 'boolean', default: false },
      },
    });
    const authLogs = values['auth-log'] ?? [];
    if (authLogs.length === 0) throw new UsageError('--auth-log FILE is required');
    const twice = authLogs.find((name, i) => authLogs.indexOf(name) !== i);
    if (twice !== undefined) throw new UsageError(`--auth-log ${twice} is given twice: its attempts would count twice`);
    if (values['fail2ban-defaults'] && values['fail2ban-dir'] !== undefined)
      throw new UsageError('--fail2ban-dir and --fail2ban-defaults are two sources of the thresholds: give one');
    // Every named file is checked before any work starts (and before the parser thread does).
    const logs = authLogs.map((name) => inputFile(name, '--auth-log'));
    const sockets = values.sockets === undefined ? undefined : inputFile(values.sockets, '--sockets');
    // The same file by another name (./auth.log, a link, - redirected from it) would count its attempts twice, and
    // a pipe or standard input named twice would be shared between two readers (a file may be read twice).
    const inputs = authLogs.map((name, i) => ({ option: '--auth-log', name, id: logs[i]?.id }));
    if (sockets?.once) inputs.push({ option: '--sockets', name: values.sockets ?? '', id: sockets.id });
    for (const [i, input] of inputs.entries()) {
      const earlier = inputs.find((other) => other.id === input.id);
      if (earlier !== undefined && earlier !== inputs[i]) {
        const what = earlier.option === input.option ? earlier.name : `${earlier.option} ${earlier.name}`;
        const why = input.option === '--auth-log' ? ': its attempts would count twice' : '';
        throw new UsageError(`${input.option} ${input.name} is ${what}, given twice${why}`);
      }
    }
    const fail2banDir = values['fail2ban-dir'];
    if (fail2banDir !== undefined) directory(fail2banDir, '--fail2ban-dir');
    // The parser's thread starts now, while this one reads the configurations and loads the detector's code.
    const entry = parserEntry();
    const parser =
      entry === undefined ? undefined : startParserThread(entry, { files: logs, headerless: values.headerless });
    let fd = 1;
    let summary: ReplaySummary;
    try {
      const config = values.config === undefined ? defaultValues() : loadConfig(values.config, true).values;
      const thresholds: Fail2banThresholds = values['fail2ban-defaults']
        ? DEBIAN_DEFAULT_THRESHOLDS
        : await readFail2banThresholds({
            ...(fail2banDir === undefined ? {} : { configDir: fail2banDir }),
            // On stderr, never among verdicts on stdout: a broken or unreadable fail2ban configuration changes the
            // thresholds, and so the verdicts, which the user must be able to tell from a detection change.
            onWarning: (message) => process.stderr.write(`f2b-campaign replay: warning: ${message}\n`),
          });
      fd = values.verdicts === undefined ? 1 : openOutput(values.verdicts, '--verdicts');
      limitHeapGrowth();
      const job: ReplayJob = {
        files: logs,
        headerless: values.headerless,
        sockets: sockets?.path,
        detection: config['detection'] ?? {},
        alerts: config['alerts'] ?? {},
        thresholds,
        fd,
        pid: process.pid,
      };
      // The detector's code, loaded once the parser's thread is under way.
      if (parser === undefined) summary = await (await import('../../replay/replay-job.js')).runReplay(job);
      else summary = await (await import('../../replay/replay-threads.js')).replayInThreads(parser, job);
    } finally {
      parser?.stop();
      if (fd !== 1) closeSync(fd);
    }
    process.stderr.write(`${JSON.stringify(summary)}\n`);
    const trace = summary.sockets;
    if (sockets !== undefined && trace !== undefined && trace.blocks === 0) {
      // The trace reader skips what it cannot read, line by line; a file with no block at all is the wrong file.
      process.stderr.write(
        `f2b-campaign replay: --sockets ${sockets.path}: not a socket trace (no "@ <time>" block; ` +
          `${trace.malformed} malformed lines): replayed without samples\n`,
      );
      return 1;
    }
    return 0;
  },
};

/** A directory named on the command line: a typo must not quietly mean "no fail2ban here, Debian's defaults". */
function directory(path: string, option: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new F2bCampaignError('input', `${option} ${path}: cannot use it (${code})`, { cause: error });
  }
  if (!isDirectory) throw new F2bCampaignError('input', `${option} ${path}: not a directory`);
}

/** The verdict output, opened for appending before any work starts. */
function openOutput(path: string, option: string): number {
  try {
    return openSync(path, 'a');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new F2bCampaignError('output', `${option} ${path}: cannot write it (${code})`, { cause: error });
  }
}
