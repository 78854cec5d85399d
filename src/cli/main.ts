import { runProgram } from './program.js';

// The program. `replay` parses in a worker thread, which runs the parser's own bundle, built beside this one
// (src/replay/parse-entry.ts).
await runProgram(new URL('f2b-campaign-parser.mjs', import.meta.url));
