import { type MessagePort, Worker } from 'node:worker_threads';
import { F2bCampaignError } from '../core/errors.js';
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
 * Young generation of the replay thread, which holds the detector. 8 MB instead of the 32 MB V8 lets the main
 * thread's grow to: the detector's garbage is short-lived, and the peak RSS of bench/replay.mjs's log went
 * ~205 -> ~180 MB (measured with the parser thread beside it, this thread's own heap peaking at ~64 MB).
 */
const YOUNG_GENERATION_MB = 8;

/**
 * Runs a replay job in a worker thread of its own, which starts the parser's thread in turn: the detector then gets
 * a young generation sized for it (a worker's heap limits are set when it starts, the main thread's only by flags
 * on node's command line, which would apply to every command), and the main thread, which only waits, keeps a
 * small heap. `entry` is the program's own file.
 */
export function replayInWorker(entry: URL, job: ReplayJob): Promise<ReplaySummary> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const worker = new Worker(entry, {
      workerData: { ...job, role: 'f2b-campaign-replay' } satisfies ReplayThreadJob,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    worker.on('message', (message: ReplayMessage) => {
      settled = true;
      if ('summary' in message) resolve(message.summary);
      else reject(fromThread(message.error));
    });
    worker.on('error', (error: Error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new F2bCampaignError('replay-thread', `the replay thread stopped (exit ${code})`));
    });
  });
}

/** The worker's side: runs the job and posts its summary, or the error that stopped it. */
export async function runReplayJob(job: ReplayThreadJob, port: MessagePort): Promise<void> {
  let message: ReplayMessage;
  try {
    message = { summary: await runReplay(job) };
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
