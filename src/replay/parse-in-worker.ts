import { Worker } from 'node:worker_threads';
import type { AuthEvent } from '../core/auth-event.js';
import { F2bCampaignError } from '../core/errors.js';
import { decodeBatch } from './event-batch.js';
import { parseBatches } from './parse-batches.js';
import { jobParser, type ParseJob, type ParseMessage } from './parse-worker.js';
import { threadEntry } from './thread-entry.js';

/** The log's events, parsed in a worker thread when the program can start one, else in this thread. */
export function parseLog(job: Omit<ParseJob, 'role'>): ParsedLog {
  const entry = threadEntry();
  if (entry !== undefined) return parseInWorker(entry, job);
  const { parser, lines } = jobParser(job);
  return {
    batches: parseBatches(lines, parser),
    stats: () => parser.stats.toJSON(),
    inWorker: false,
  };
}

export interface ParsedLog {
  /** The file's events in file order, a batch at a time. */
  readonly batches: AsyncGenerator<AuthEvent[]>;
  /** The parser's statistics (ParseStats as JSON), once `batches` has ended. */
  stats(): object | undefined;
  /** Whether the parsing runs in a worker thread. */
  readonly inWorker: boolean;
}

/**
 * Parses a log in a worker thread while the caller's thread runs the detector: on a machine with two cores, replay
 * then costs about the slower of the two instead of their sum. `entry` is the program's own file (the bundle),
 * which runs the job when it starts as a worker (src/cli/main.ts).
 */
export function parseInWorker(entry: URL, job: Omit<ParseJob, 'role'>): ParsedLog {
  const worker = new Worker(entry, {
    workerData: { ...job, role: 'f2b-campaign-parse' } satisfies ParseJob,
    // 8 MB of young generation. At 4 MB the parser thread spends ~29% of its time collecting and becomes the slower
    // thread (bench: 2.9 -> 3.2 s best of 4); at 16 MB replay is no faster (the detector thread sets the pace, the
    // parser thread idles ~25% of the time) and its peak RSS is 7-11 MB higher (A/B runs of bench/replay.mjs's log).
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  const queue: ParseMessage[] = [];
  let failure: Error | undefined;
  let finished = false;
  let stats: object | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', (message: ParseMessage) => {
    queue.push(message);
    wake?.();
  });
  worker.on('error', (error: Error) => {
    // A reader's error names its file already ("reading auth.log.2.gz: unexpected end of file").
    const what = error.message.startsWith('reading ') ? error.message : `parsing ${logNames(job)}: ${error.message}`;
    failure = new F2bCampaignError('parse-thread', what, { cause: error });
    wake?.();
  });
  worker.on('exit', (code) => {
    if (!finished) {
      failure ??= new F2bCampaignError(
        'parse-thread',
        `parsing ${logNames(job)}: the parser thread stopped (exit ${code})`,
      );
    }
    wake?.();
  });

  async function* batches(): AsyncGenerator<AuthEvent[]> {
    try {
      for (;;) {
        const message = queue.shift();
        if (message === undefined) {
          if (failure) throw failure;
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        if ('done' in message) {
          finished = true;
          stats = message.done;
          return;
        }
        // One batch taken, one more may come: the credit the parser thread waits for.
        worker.postMessage(0);
        yield decodeBatch(message.batch);
      }
    } finally {
      finished = true;
      await worker.terminate();
    }
  }
  return { batches: batches(), stats: () => stats, inWorker: true };
}

/** The job's files for a message: one path, or the first and the last of a set. */
function logNames(job: Omit<ParseJob, 'role'>): string {
  const paths = job.files.map((f) => f.path);
  return paths.length <= 1 ? (paths[0] ?? '') : `${paths[0]} ... ${paths.at(-1)}`;
}
