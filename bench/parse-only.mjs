#!/usr/bin/env node
// The parser alone (no detection), in one thread, on the replay benchmark's log: what `replay`'s parser thread can
// deliver. It runs the parser thread's own work (src/replay/parse-worker.ts): the parser as that thread configures
// it (jobParser: the file's mtime as reference time), and the encoding of each batch for the detector's thread;
// only the postMessage is left out. Parsing and encoding are timed apart. Usage: node bench/parse-only.mjs [FILE]   (npm run build first; run bench/replay.mjs once for
// the log)
import { existsSync, statSync } from 'node:fs';

const file = process.argv[2] ?? 'bench/out/sshd-1000000-100000-v2.log';
if (!existsSync('dist/lib/replay/parse-worker.js')) throw new Error('dist/lib is missing: npm run build');
if (!existsSync(file)) throw new Error(`${file} is missing: node bench/replay.mjs generates it`);
const { jobParser } = await import('../dist/lib/replay/parse-worker.js');
const { parseBatches } = await import('../dist/lib/replay/parse-batches.js');
const { encodeBatch } = await import('../dist/lib/replay/event-batch.js');

const job = { files: [{ path: file, mtime: statSync(file).mtimeMs }], headerless: false };
for (let run = 1; run <= 3; run++) {
  const { parser, lines: batches } = jobParser(job);
  let encoding = 0;
  const started = performance.now();
  for await (const events of parseBatches(batches, parser)) {
    const t = performance.now();
    encodeBatch(events);
    encoding += performance.now() - t;
  }
  const seconds = (performance.now() - started) / 1000;
  const parsing = seconds - encoding / 1000;
  const { lines, events } = parser.stats;
  console.log(
    `run ${run}: ${lines} lines, ${events} events: read+parse ${parsing.toFixed(2)} s (${Math.round(lines / parsing).toLocaleString('en')} lines/s), ` +
      `with encoding ${seconds.toFixed(2)} s (${Math.round(lines / seconds).toLocaleString('en')} lines/s)`,
  );
}
