#!/usr/bin/env node
// Detection alone, in one thread: the replay benchmark's log is parsed and encoded as replay's parser thread would
// send it, then replay's own loop (replayLogs) drives a fresh core over it several times. What `replay` would
// take if the parser cost nothing and ran nowhere near the detector; the difference is the parser thread's share.
// Usage: node bench/detect-only.mjs [FILE] [RUNS]   (npm run build first; run bench/replay.mjs once for the log)
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';

const file = process.argv[2] ?? 'bench/out/sshd-1000000-100000-v2.log';
const RUNS = Number(process.argv[3] ?? 4);
if (!existsSync('dist/lib/correlate/create-core.js')) throw new Error('dist/lib is missing: npm run build');
if (!existsSync(file)) throw new Error(`${file} is missing: node bench/replay.mjs generates it`);
const { readLineBatches } = await import('../dist/lib/parse/line-reader.js');
const { SshdParser } = await import('../dist/lib/parse/sshd-parser.js');
const { createCore } = await import('../dist/lib/correlate/create-core.js');
const { encodeBatch, EventColumns } = await import('../dist/lib/replay/event-batch.js');
const { formatVerdictLine } = await import('../dist/lib/verdict/verdict-line.js');
const { DEBIAN_DEFAULT_THRESHOLDS } = await import('../dist/lib/core/fail2ban-thresholds.js');
const { replayLogs } = await import('../dist/lib/replay/replay-logs.js');

const parser = new SshdParser({ referenceTime: Date.now() });
const batches = [];
for await (const lines of readLineBatches(file)) {
  const events = lines.map((line) => parser.parseLine(line)).filter((e) => e !== null);
  if (events.length > 0) batches.push(encodeBatch(events));
}

const seconds = [];
for (let run = 1; run <= RUNS; run++) {
  const core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
  const digest = createHash('md5');
  let verdicts = 0;
  // As replay's detector thread receives them: postMessage clones each batch, so its strings arrive flat and new
  // for every run. The parser's usernames are slices of the log's text (its addresses, copies since 2026-11-22,
  // were too), which the detector's maps compare and hash on a slower path: without the clone this measured ~4% more
  // than the detector takes in replay.
  const sent = batches.map((batch) => structuredClone(batch));
  async function* events() {
    for (const batch of sent) yield new EventColumns(batch);
  }
  const started = performance.now();
  // The loop replay's detector thread runs (replay-logs.ts), fed from memory instead of the parser thread.
  await replayLogs({
    events: events(),
    core,
    emit: (v) => {
      digest.update(formatVerdictLine(v, 0));
      verdicts++;
    },
  });
  seconds.push((performance.now() - started) / 1000);
  console.log(
    `run ${run}: ${seconds.at(-1).toFixed(2)} s, ${verdicts} verdicts (md5 of the lines ${digest.digest('hex').slice(0, 12)})`,
  );
}
console.log(`detection alone: fastest ${Math.min(...seconds).toFixed(2)} s, first (cold) ${seconds[0].toFixed(2)} s`);
