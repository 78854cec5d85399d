#!/usr/bin/env node
// Memory of the campaign detector, in one run: (1) bytes per tracked source, (2) a flood of a million distinct
// addresses with the [detection] defaults, showing that memory stops growing once max_sources is reached (old
// state is evicted). The detector is bundled from src/ with esbuild into bench/out, so no prior build is needed.
// Usage: node --expose-gc bench/memory.mjs [FLOOD_SOURCES] [MEASURED_SOURCES]
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const FLOOD = Number(process.argv[2] ?? 1_000_000);
const MEASURED = Number(process.argv[3] ?? 100_000);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc bench/memory.mjs');

mkdirSync('bench/out', { recursive: true });
const outfile = 'bench/out/campaign-detector.js';
await build({
  entryPoints: ['src/correlate/campaign-detector.ts', 'src/correlate/source-state.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outdir: 'bench/out',
  logLevel: 'error',
});
const { CampaignDetector } = await import(`../${outfile}`);
const { RECORD_BYTES } = await import('../bench/out/source-state.js');

const thresholds = {
  maxretry: 5,
  findtime: 600_000,
  bantime: 600_000,
  campaignBantime: 86_400_000,
  ignoreip: ['127.0.0.1/8', '::1'],
  origin: 'defaults',
};
const T0 = Date.UTC(2026, 1, 16);
const NAMES = ['root', 'admin', 'user', 'test', 'ubuntu', 'oracle', 'postgres', 'guest', 'ftpuser', 'pi'];

/** The i-th distinct public-looking address (never loopback, never private). */
function address(i) {
  const a = 11 + (i % 100); // 11..110
  return `${a}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

function failure(ip, time, user) {
  return {
    time,
    kind: 'failure',
    reason: 'failed-password',
    ip,
    bannable: true,
    count: 1,
    user,
    invalidUser: user !== 'root',
  };
}

/** Heap in use after full collections (plain gc(): on Node 20 the `{ type: 'major' }` form does not free it all). */
function heap() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** The heap plus typed-array memory outside it (the sources' records). */
function memory() {
  return heap() + process.memoryUsage().arrayBuffers;
}

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

// (1) Bytes per tracked source: nothing evicted (max_sources above the count, ttl longer than the run); each source
// makes two attempts with dictionary names, so every per-source structure and index entry is populated (and, as the
// addresses act together, the campaign's member list too). Measured as the slope of the heap between two counts, so
// what existed before (code, the module graph) does not count.
function perSource() {
  const detector = new CampaignDetector({ max_sources: MEASURED * 4, source_ttl: 30 * 86_400_000 }, thresholds);
  const feed = (from, to) => {
    for (let i = from; i < to; i++) {
      const ip = address(i);
      detector.onAuthEvent(failure(ip, T0 + i * 20, NAMES[i % NAMES.length]));
      detector.onAuthEvent(failure(ip, T0 + i * 20 + 10, NAMES[(i * 7) % NAMES.length]));
    }
  };
  feed(0, MEASURED / 2);
  const low = heap();
  feed(MEASURED / 2, MEASURED * 1.5);
  const high = heap();
  const s = detector.status();
  const members = s.campaigns.reduce((n, c) => n + c.members, 0);
  // The records grow by doubling, so their share is the record size, not a slope.
  const slope = Math.round((high - low) / MEASURED);
  console.log(
    `bytes per tracked source: ${slope + RECORD_BYTES} (${slope} of heap, slope from ${MEASURED / 2} to ${MEASURED * 1.5} sources, + a ${RECORD_BYTES}-byte record; ${s.trackedSources} tracked, ${members} of them campaign members)`,
  );
}

// (2) Flood: a million distinct addresses, one attempt each, 2,000 per second of log time, [detection] defaults.
function flood() {
  const base = memory();
  const detector = new CampaignDetector({}, thresholds);
  const started = process.hrtime.bigint();
  let peakHeap = 0;
  let peakRss = 0;
  const rows = [];
  for (let i = 0; i < FLOOD; i++) {
    detector.onAuthEvent(failure(address(i), T0 + i / 2, `u${i % 50_000}`));
    if ((i + 1) % (FLOOD / 10) === 0) {
      const h = memory() - base;
      const rss = process.memoryUsage().rss;
      peakHeap = Math.max(peakHeap, h);
      peakRss = Math.max(peakRss, rss);
      const s = detector.status();
      rows.push(
        `  after ${String(i + 1).padStart(8)} addresses: tracked ${String(s.trackedSources).padStart(7)}, evicted ${String(s.evictedSources).padStart(7)}, heap+records ${mb(h).padStart(6)} MB, rss ${mb(rss).padStart(6)} MB`,
      );
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`flood of ${FLOOD} distinct addresses with the defaults (max_sources 100000):`);
  console.log(rows.join('\n'));
  console.log(
    `peak detector heap+records ${mb(peakHeap)} MB, peak process RSS ${mb(peakRss)} MB, ${Math.round(FLOOD / seconds)} events/s (GC pauses for the measurements included)`,
  );
}

// The flood first, so its RSS is its own (V8 keeps pages it once used).
flood();
perSource();
