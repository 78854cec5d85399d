import { MessageChannel, Worker } from 'node:worker_threads';
import { parseError } from './parse-in-worker.js';
import type { ParseJob } from './parse-worker.js';
import { type ReplayJob, type ReplaySummary, runReplay } from './replay-job.js';

/**
 * The parser thread's young generation: at 4 MB it spent ~29% of its time collecting and became the slower thread
 * (2.9 -> 3.2 s best of 4); at 16 MB no faster, and 7-11 MB more RSS. (Since its addresses are copied out of their
 * lines it promotes less: 4, 6 and 8 MB then peaked alike, at the same speed.)
 */
const PARSER_YOUNG_MB = 8;

/**
 * Runs a replay job on two threads: a worker thread parses the logs and posts the events, through a channel of
 * their own, to this one, which detects and writes the verdicts. The detector is the busier of the two and holds
 * the state; its young generation is this thread's, which V8 takes only from node's command line: the launchers
 * (bin/f2b-campaign.js, debian/launcher/f2b-campaign) give it 8 MB, where V8 would grow it to 32 MB. With the
 * detector in a worker of its own instead (a worker's limits can be set when it starts), the main thread only
 * waited, and its isolate and heap cost ~14 MB: peak RSS on bench/replay.mjs's log ~191 -> ~179 MB, for 1-2% more
 * time (docs/performance.md). `entry` is the parser thread's file (src/replay/parse-entry.ts).
 */
export async function replayInThreads(entry: URL, job: ReplayJob): Promise<ReplaySummary> {
  const { port1, port2 } = new MessageChannel();
  const parse = { files: job.files, headerless: job.headerless };
  const parser = new Worker(entry, {
    workerData: { ...parse, role: 'f2b-campaign-parse', port: port1 } satisfies ParseJob,
    transferList: [port1],
    resourceLimits: { maxYoungGenerationSizeMb: PARSER_YOUNG_MB },
  });
  // The parser's own errors reach the detector as its last message on the channel; these are what it could not post.
  const stopped = new Promise<never>((_, reject) => {
    parser.on('error', (error: Error) => reject(parseError(parse, error.message)));
    parser.on('exit', (code) => {
      if (code !== 0) reject(parseError(parse, `the parser thread stopped (exit ${code})`));
    });
  });
  stopped.catch(() => {}); // the detector's own end wins the race below; the parser's after it is of no interest
  try {
    return await Promise.race([runReplay(job, port2), stopped]);
  } finally {
    // Done, or failed: a parser still reading (a quiet pipe) is ended with the job.
    parser.removeAllListeners('exit');
    void parser.terminate();
  }
}
