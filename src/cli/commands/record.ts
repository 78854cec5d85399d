import { appendFileSync, closeSync, openSync, readSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../config/duration.js';
import { F2bCampaignError } from '../../core/errors.js';
import { formatTraceBlock } from '../../parse/socket-trace.js';
import { localPortOf, readTables } from '../../sources/socket-sampler.js';
import { type Command, UsageError } from '../command.js';

const usage = `usage: f2b-campaign record --sockets FILE [--interval 30s] [--duration D] [--sockets-from DIR] [--ports LIST]

Appends the live /proc/net/tcp and /proc/net/tcp6 to FILE in the socket trace format (docs/socket-trace.md), one
block per interval, so a day on a server can be replayed anywhere with \`replay --sockets FILE\`. Runs for
--duration, or until SIGINT/SIGTERM.

  --sockets FILE      trace file to append to
  --interval D        time between samples (default 30s; a lifetime is evidence only from samples at most
                      1.5 lifetime buckets apart: 5s records what the service measures while a campaign is open)
  --duration D        stop after this long (default: until interrupted)
  --sockets-from DIR  read tcp and tcp6 from DIR instead of /proc/net
  --ports LIST        keep only rows whose local port is in LIST (comma-separated), e.g. 22: smaller traces`;

/** Keeps the header and the rows whose local port is one of `ports` (hex in the kernel's table). */
export function filterTable(text: string, ports: ReadonlySet<number> | null): string {
  if (!ports || text === '') return text;
  return text
    .split('\n')
    .filter((line, i) => {
      if (i === 0 || line.trim() === '') return i === 0;
      return ports.has(localPortOf(line));
    })
    .join('\n');
}

/**
 * Whether `file` ends in the middle of a line: a run of `record` that stopped mid-write (killed, disk full). The
 * next block must then start on a line of its own, or the cut row and its `@` line would be one line.
 */
function endsMidLine(file: string): boolean {
  let fd: number;
  let size: number;
  try {
    const stat = statSync(file);
    // Only a regular file: opening a FIFO to read would wait for a writer, and we are its writer.
    if (!stat.isFile() || stat.size === 0) return false;
    size = stat.size;
    fd = openSync(file, 'r');
  } catch {
    return false; // not there yet (or unreadable: appending says why)
  }
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** `f()`, with an operating-system error (a missing directory, a full disk) turned into a one-line message. */
function attempt<T>(f: () => T, what: string): T {
  try {
    return f();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new F2bCampaignError('record', `${what} (${code})`, { cause: error });
  }
}

export const recordCommand: Command = {
  name: 'record',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        sockets: { type: 'string' },
        interval: { type: 'string' },
        duration: { type: 'string' },
        'sockets-from': { type: 'string' },
        ports: { type: 'string' },
      },
      strict: true,
    });
    if (!values.sockets) throw new UsageError('--sockets FILE is required');
    const file = values.sockets;
    const duration = (text: string | undefined, name: string): number | null => {
      if (text === undefined) return null;
      try {
        return parseDuration(text);
      } catch (error) {
        throw new UsageError(`--${name}: ${(error as Error).message}`);
      }
    };
    const interval = duration(values.interval, 'interval') ?? 30_000;
    if (interval < 10) throw new UsageError('--interval must be at least 10ms');
    const limit = duration(values.duration, 'duration');
    if (values.ports === '') throw new UsageError('--ports: expected TCP ports like 22,2222, got an empty list');
    const ports = values.ports ? new Set(values.ports.split(',').map((p) => Number(p.trim()))) : null;
    if (ports && [...ports].some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
      throw new UsageError(`--ports: expected TCP ports like 22,2222, got ${JSON.stringify(values.ports)}`);
    }
    const dir = values['sockets-from'] ?? '/proc/net';
    const started = Date.now();
    let blocks = 0;
    let lineBreak = endsMidLine(file) ? '\n' : '';
    let stop = false;
    let wake: (() => void) | null = null;
    const onSignal = () => {
      stop = true;
      wake?.();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      while (!stop) {
        const now = Date.now();
        const tables = attempt(() => readTables(dir), `--sockets-from ${dir}: cannot read tcp and tcp6`);
        const block =
          lineBreak + formatTraceBlock(now, filterTable(tables.tcp, ports), filterTable(tables.tcp6, ports));
        attempt(() => appendFileSync(file, block), `--sockets ${file}: cannot append to it`);
        lineBreak = '';
        blocks++;
        const next = now + interval;
        if (limit !== null && next - started >= limit) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.max(0, next - Date.now()));
        });
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    process.stderr.write(`f2b-campaign record: ${blocks} samples appended to ${file}\n`);
    return 0;
  },
};
