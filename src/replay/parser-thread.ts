import { setFlagsFromString } from 'node:v8';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { parseError } from './parse-in-worker.js';
import type { LogSet, ParseJob } from './parse-worker.js';

/**
 * The parser thread's young generation: 3 MB, V8's least (two 1 MB semi-spaces and room for large objects), against
 * 8 MB before. The parser is the less busy thread (idle a quarter of the time beside the detector), and nearly all it
 * allocates dies within a line, so more frequent collections cost it little once no batch of event objects is kept
 * alive across them (event-batch.ts, BatchWriter): on bench/replay.mjs's log its heap peaks at ~16 MB instead of ~24,
 * replay's peak RSS medians 156.1 -> 151.4 MB, its time the same (6 alternated runs, 2026-11-23). With the event
 * objects still gathered per chunk it cost replay ~10% in time (8 alternated runs).
 */
const PARSER_YOUNG_MB = 3;

/** The parser's worker thread, parsing from the moment it starts; its events come on `port`. */
export interface ParserThread {
  readonly port: MessagePort;
  /** Rejects with the parser's error when the thread fails or stops early; never resolves. */
  readonly stopped: Promise<never>;
  /** Ends the thread: done, or failed (a parser still reading a quiet pipe is ended with the job). */
  stop(): void;
}

/**
 * Starts the parser's thread on `parse`, `entry` being its file (src/replay/parse-entry.ts). Started before the
 * replay command reads its configuration and fail2ban's (fail2ban-client takes ~0.25 s) and loads the detector's
 * code, so that its start (~0.1 s here: a worker's own node) is under way meanwhile; what it parses waits on the
 * port, at most the batches in flight.
 */
export function startParserThread(entry: URL, parse: LogSet): ParserThread {
  const { port1, port2 } = new MessageChannel();
  // The launchers' --max-semi-space-size sets this thread's young generation, but V8 applies the flag to every
  // isolate created while it is set, over a worker's resourceLimits: unset now, it leaves the parser's limit to hold.
  setFlagsFromString('--max-semi-space-size=0');
  const worker = new Worker(entry, {
    workerData: { ...parse, role: 'f2b-campaign-parse', port: port1 } satisfies ParseJob,
    transferList: [port1],
    resourceLimits: { maxYoungGenerationSizeMb: PARSER_YOUNG_MB },
  });
  // The parser's own errors reach the detector as its last message on the channel; these are what it could not post.
  const stopped = new Promise<never>((_, reject) => {
    worker.on('error', (error: Error) => reject(parseError(parse, error.message)));
    worker.on('exit', (code) => {
      if (code !== 0) reject(parseError(parse, `the parser thread stopped (exit ${code})`));
    });
  });
  stopped.catch(() => {}); // the detector's own end wins the race (replay-threads.ts); the parser's after it is of no interest
  return {
    port: port2,
    stopped,
    stop() {
      worker.removeAllListeners('exit');
      void worker.terminate();
    },
  };
}
