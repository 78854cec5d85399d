import type { MessagePort } from 'node:worker_threads';
import { F2bCampaignError } from '../core/errors.js';
import { EventColumns } from './event-batch.js';
import { parseBatches } from './parse-batches.js';
import { jobParser, type LogSet, type ParseMessage } from './parse-worker.js';
import type { EventList } from './replay-logs.js';

/**
 * The log's events: parsed in this thread, or (`port`) received from the parser's thread (replayInThreads in
 * replay-threads.ts), which parses while this one detects: on two cores, replay then costs about the slower of
 * the two instead of their sum.
 */
export function parseLog(job: LogSet, port?: MessagePort): ParsedLog {
  if (port !== undefined) return parsedElsewhere(port, job);
  const { parser, lines } = jobParser(job);
  return {
    batches: parseBatches(lines, parser),
    stats: () => parser.stats.toJSON(),
    inWorker: false,
  };
}

export interface ParsedLog {
  /** The file's events in file order, a batch at a time. */
  readonly batches: AsyncGenerator<EventList>;
  /** The parser's statistics (ParseStats as JSON), once `batches` has ended. */
  stats(): object | undefined;
  /** Whether the parsing runs in a worker thread. */
  readonly inWorker: boolean;
}

/** The batches the parser's thread posts on `port`, each taken one answered with a credit (runParseJob). */
function parsedElsewhere(port: MessagePort, job: LogSet): ParsedLog {
  const queue: ParseMessage[] = [];
  let closed = false;
  let stats: object | undefined;
  let wake: (() => void) | undefined;
  port.on('message', (message: ParseMessage) => {
    queue.push(message);
    wake?.();
  });
  port.on('close', () => {
    closed = true;
    wake?.();
  });

  async function* batches(): AsyncGenerator<EventList> {
    try {
      for (;;) {
        const message = queue.shift();
        if (message === undefined) {
          // The parser's thread closes its end after its last message: closed with nothing left, it stopped early.
          if (closed) throw parseError(job, 'the parser thread stopped');
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        if ('failed' in message) throw parseError(job, message.failed);
        if ('done' in message) {
          stats = message.done;
          return;
        }
        // One batch taken, one more may come: the credit the parser thread waits for.
        port.postMessage(0);
        yield new EventColumns(message.batch);
      }
    } finally {
      port.close();
    }
  }
  return { batches: batches(), stats: () => stats, inWorker: true };
}

/** The parser thread's failure, as one line: a reader's error names its file already ("reading auth.log.2.gz: ..."). */
export function parseError(job: LogSet, message: string): F2bCampaignError {
  return new F2bCampaignError(
    'parse-thread',
    message.startsWith('reading ') ? message : `parsing ${logNames(job)}: ${message}`,
  );
}

function logNames(job: LogSet): string {
  const paths = job.files.map((f) => f.path);
  return paths.length <= 1 ? (paths[0] ?? '') : `${paths[0]} ... ${paths.at(-1)}`;
}
