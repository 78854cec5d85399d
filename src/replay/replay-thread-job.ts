import type { MessagePort } from 'node:worker_threads';
import type { ReplayJob } from './replay-job.js';

/**
 * A replay job as a worker thread is given it. Apart from replay-threads.ts, so that the program's entry can tell
 * it from a parse job without loading the detector into the parser's thread.
 */
export interface ReplayThreadJob extends ReplayJob {
  readonly role: 'f2b-campaign-replay';
  /** The detector's end of the channel the parser's thread posts the events on. */
  readonly events: MessagePort;
}

export function isReplayJob(value: unknown): value is ReplayThreadJob {
  return typeof value === 'object' && value !== null && (value as ReplayThreadJob).role === 'f2b-campaign-replay';
}
