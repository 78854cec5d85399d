import type { ReplayJob } from './replay-job.js';

/**
 * A replay job as a worker thread is given it. Apart from replay-in-worker.ts, so that the program's entry can tell
 * it from a parse job without loading the detector into the parser's thread.
 */
export interface ReplayThreadJob extends ReplayJob {
  readonly role: 'f2b-campaign-replay';
}

export function isReplayJob(value: unknown): value is ReplayThreadJob {
  return typeof value === 'object' && value !== null && (value as ReplayThreadJob).role === 'f2b-campaign-replay';
}
