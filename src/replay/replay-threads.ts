import type { ParserThread } from './parser-thread.js';
import { type ReplayJob, type ReplaySummary, runReplay } from './replay-job.js';

/**
 * Runs a replay job on two threads: the parser's (parser-thread.ts) parses the logs and posts the events, through a
 * channel of their own, to this one, which detects and writes the verdicts. The detector is the busier of the two and
 * holds the state; its young generation is this thread's, which V8 takes only from node's command line: the launchers
 * (bin/f2b-campaign.js, debian/launcher/f2b-campaign) give it 8 MB, where V8 would grow it to 32 MB. With the
 * detector in a worker of its own instead (a worker's limits can be set when it starts), the main thread only
 * waited, and its isolate and heap cost ~14 MB: peak RSS on bench/replay.mjs's log ~191 -> ~179 MB, for 1-2% more
 * time (docs/performance.md).
 * The caller stops the parser's thread at the end, done or failed.
 */
export async function replayInThreads(parser: ParserThread, job: ReplayJob): Promise<ReplaySummary> {
  return await Promise.race([runReplay(job, parser.port), parser.stopped]);
}
