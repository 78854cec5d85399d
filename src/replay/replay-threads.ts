import { setFlagsFromString } from 'node:v8';
import { MessageChannel, Worker } from 'node:worker_threads';
import { parseError } from './parse-in-worker.js';
import type { ParseJob } from './parse-worker.js';
import { type ReplayJob, type ReplaySummary, runReplay } from './replay-job.js';

/**
 * The parser thread's young generation: 3 MB, V8's least (two 1 MB semi-spaces and room for large objects), against
 * 8 MB before. The parser is the less busy thread (idle a quarter of the time beside the detector), and nearly all it
 * allocates dies within a line, so more frequent collections cost it little once no batch of event objects is kept
 * alive across them (event-batch.ts, BatchWriter): on bench/replay.mjs's log its heap peaks at ~16 MB instead of ~24,
 * replay's peak RSS medians 156.1 -> 151.4 MB, its time the same (6 alternated runs, 2026-11-23). With the event
 * objects still gathered per chunk it cost replay ~10% in time (8 alternated runs).
 */
const PARSER_YOUNG_MB = 3;

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
  // The launchers' --max-semi-space-size sets this thread's young generation, but V8 applies the flag to every
  // isolate created while it is set, over a worker's resourceLimits: unset now, it leaves the parser's limit to hold.
  setFlagsFromString('--max-semi-space-size=0');
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
