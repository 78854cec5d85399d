#!/usr/bin/env node
// The parser alone (no detection), in one thread, on the replay benchmark's log: what `replay`'s parser thread can
// deliver. Usage: node bench/parse-only.mjs [FILE]   (npm run build first; run bench/replay.mjs once for the log)
import { existsSync } from 'node:fs';

const file = process.argv[2] ?? 'bench/out/sshd-1000000-100000-v2.log';
if (!existsSync('dist/lib/parse/sshd-parser.js')) throw new Error('dist/lib is missing: npm run build');
if (!existsSync(file)) throw new Error(`${file} is missing: node bench/replay.mjs generates it`);
const { readLineBatches } = await import('../dist/lib/parse/line-reader.js');
const { SshdParser } = await import('../dist/lib/parse/sshd-parser.js');

for (let run = 1; run <= 3; run++) {
  const parser = new SshdParser({ referenceTime: Date.now() });
  const started = performance.now();
  for await (const batch of readLineBatches(file)) for (const line of batch) parser.parseLine(line);
  const seconds = (performance.now() - started) / 1000;
  const { lines, events } = parser.stats;
  console.log(
    `run ${run}: ${lines} lines, ${events} events in ${seconds.toFixed(2)} s: ${Math.round(lines / seconds).toLocaleString('en')} lines/s`,
  );
}
