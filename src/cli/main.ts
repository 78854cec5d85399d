import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { isParseJob, runParseJob } from '../replay/parse-worker.js';

// The same file is the program and, started as a worker thread by `replay`, its log parser. The program is imported
// only in the main thread: the bundle then runs none of its modules' code in the parser thread (esbuild defers a
// module imported this way until the import runs), which made that thread start ~40 ms later and hold ~10 MB more.
if (isMainThread) await (await import('./program.js')).runProgram(new URL(import.meta.url));
else if (isParseJob(workerData) && parentPort !== null) await runParseJob(workerData, parentPort);
