import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { F2bCampaignError } from '../core/errors.js';
import { parseError } from './parse-in-worker.js';
import type { ParseJob } from './parse-worker.js';
import { type ReplayJob, type ReplaySummary, runReplay } from './replay-job.js';
import type { ReplayThreadJob } from './replay-thread-job.js';

/** An error as it crosses threads: what the program's error handling reads of it (src/cli/program.ts). */
interface ThreadError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: string | undefined;
  readonly syscall: string | undefined;
}

type ReplayMessage = { readonly summary: ReplaySummary } | { readonly error: ThreadError };

/**
 * Young generations of the two threads. The detector's: 8 MB instead of the 32 MB V8 lets the main thread's grow
 * to, as its garbage is short-lived: peak RSS on bench/replay.mjs's log ~208 -> ~191 MB, this thread's heap then
 * peaking at ~66 MB. The parser's: at 4 MB it spent ~29% of its time collecting and became the slower thread
 * (2.9 -> 3.2 s best of 4); at 16 MB no faster, and 7-11 MB more RSS.
 */
const DETECTOR_YOUNG_MB = 8;
const PARSER_YOUNG_MB = 8;

/**
 * Runs a replay job in two worker threads, the parser's and the detector's, which the parser's feeds through a
 * channel of their own; the main thread only waits. Both are started at once, so the parser's start does not wait
 * for the detector's (~80 ms before the first line was read when the detector's thread started it), and each gets
 * a young generation sized for its work: a worker's heap limits are set when it starts, the main thread's only by
 * flags on node's command line, which would apply to every command. `entry` is the program's own file.
 */
export function replayInThreads(entry: URL, job: ReplayJob): Promise<ReplaySummary> {
  const { port1, port2 } = new MessageChannel();
  const parse = { files: job.files, headerless: job.headerless };
  const parser = new Worker(entry, {
    workerData: { ...parse, role: 'f2b-campaign-parse', port: port1 } satisfies ParseJob,
    transferList: [port1],
    resourceLimits: { maxYoungGenerationSizeMb: PARSER_YOUNG_MB },
  });
  const detector = new Worker(entry, {
    workerData: { ...job, role: 'f2b-campaign-replay', events: port2 } satisfies ReplayThreadJob,
    transferList: [port2],
    resourceLimits: { maxYoungGenerationSizeMb: DETECTOR_YOUNG_MB },
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (end: () => void): void => {
      if (settled) return;
      settled = true;
      void parser.terminate();
      void detector.terminate();
      end();
    };
    detector.on('message', (message: ReplayMessage) =>
      settle(() => ('summary' in message ? resolve(message.summary) : reject(fromThread(message.error)))),
    );
    detector.on('error', (error: Error) => settle(() => reject(error)));
    detector.on('exit', (code) =>
      settle(() => reject(new F2bCampaignError('replay-thread', `the detector thread stopped (exit ${code})`))),
    );
    // The parser's own errors reach the detector's thread as its last message; these are what it could not post.
    parser.on('error', (error: Error) => settle(() => reject(parseError(parse, error.message))));
    parser.on('exit', (code) => {
      if (code !== 0) settle(() => reject(parseError(parse, `the parser thread stopped (exit ${code})`)));
    });
  });
}

/** The detector thread's side: runs the job and posts its summary, or the error that stopped it. */
export async function runReplayJob(job: ReplayThreadJob, port: MessagePort): Promise<void> {
  let message: ReplayMessage;
  try {
    message = { summary: await runReplay(job, job.events) };
  } catch (error) {
    message = { error: toThread(error) };
  }
  port.postMessage(message);
}

function toThread(error: unknown): ThreadError {
  const e = error instanceof Error ? error : new Error(String(error));
  const { code, syscall } = e as NodeJS.ErrnoException;
  return { name: e.name, message: e.message, stack: e.stack, code, syscall };
}

/** The error again, as the program's handler tells them apart: ours, a system call's (EPIPE included), a bug. */
function fromThread(e: ThreadError): Error {
  if (e.name === 'F2bCampaignError' && e.code !== undefined) return new F2bCampaignError(e.code, e.message);
  const error: NodeJS.ErrnoException = new Error(e.message);
  error.name = e.name;
  if (e.stack !== undefined) error.stack = e.stack;
  if (e.code !== undefined) error.code = e.code;
  if (e.syscall !== undefined) error.syscall = e.syscall;
  return error;
}
