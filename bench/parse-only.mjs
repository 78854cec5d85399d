#!/usr/bin/env node
// The parser alone (no detection), in one thread, on the replay benchmark's log: what `replay`'s parser thread can
// deliver. It runs the parser thread's own work (src/replay/parse-worker.ts): the parser as that thread configures
// it (jobParser: the file's mtime as reference time), and the encoding of each batch for the detector's thread;
// only the postMessage is left out. Runs alternate between parsing alone and parsing with the encoding. The thread's
// young generation is V8's least (src/replay/replay-threads.ts): run with --max-semi-space-size=1 to match it.
// Usage: node [--max-semi-space-size=1] bench/parse-only.mjs [FILE]   (npm run build first; run bench/replay.mjs
// once for the log)
import { existsSync, statSync } from 'node:fs';

const file = process.argv[2] ?? 'bench/out/sshd-1000000-100000-v2.log';
if (!existsSync('dist/lib/replay/parse-worker.js')) throw new Error('dist/lib is missing: npm run build');
if (!existsSync(file)) throw new Error(`${file} is missing: node bench/replay.mjs generates it`);
const { jobParser, parseChunk } = await import('../dist/lib/replay/parse-worker.js');
const job = { files: [{ path: file, mtime: statSync(file).mtimeMs }], headerless: false };
// Alternately: the lines parsed and the events dropped; and as the thread does it, each event written into its
// batch's columns (parseChunk).
for (let run = 1; run <= 4; run++) {
  const encode = run % 2 === 0;
  const { parser, lines: chunks } = jobParser(job);
  const started = performance.now();
  for await (const chunk of chunks) {
    if (encode) parseChunk(parser, chunk);
    else for (const line of chunk) parser.parseLine(line);
  }
  const seconds = (performance.now() - started) / 1000;
  const { lines, events } = parser.stats;
  console.log(
    `run ${run}: ${lines} lines, ${events} events, ${encode ? 'read+parse+encode' : 'read+parse'} ${seconds.toFixed(2)} s (${Math.round(lines / seconds).toLocaleString('en')} lines/s)`,
  );
}
