import { isMainThread, workerData } from 'node:worker_threads';
import { isParseJob, runParseJob } from '../replay/parse-worker.js';

// The same file is the program and, started as a worker thread by `replay`, its log parser's thread. The program is
// imported only where it runs: esbuild defers a module imported this way until the import runs, so the parser thread
// runs none of the CLI's code (which made it start ~40 ms later and hold ~10 MB more).
const self = new URL(import.meta.url);
if (isMainThread) await (await import('./program.js')).runProgram(self);
else if (isParseJob(workerData)) await runParseJob(workerData);
