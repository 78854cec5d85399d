import { workerData } from 'node:worker_threads';
import { isParseJob, runParseJob } from './parse-worker.js';

// The parser's worker thread of `replay` (replay-threads.ts) runs this file, an entry of its own beside the program
// (dist/f2b-campaign-parser.mjs; scripts/bundle-options.mjs), which loads the parser's code alone (~40 kB). Started
// on the whole program's bundle (~1 MB), the thread compiled code it never runs: a 1,000-line replay took 0.30 s
// instead of 0.26 and peaked 5 MB higher.
if (isParseJob(workerData)) await runParseJob(workerData);
