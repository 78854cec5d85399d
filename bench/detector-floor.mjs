#!/usr/bin/env node
// The floor under a detector kept in typed arrays, as a model: over the replay benchmark's events, in their order,
// each event finds its source in an open-addressing table of addresses and updates its 256-byte record; a source's
// first event also updates TABLES other tables (keyed, like the signals' indexes, by its /24, its address or its
// name, at the sizes the real ones reach), and a later failure or probe three of them. No logic at all: what the
// memory traffic of "a new source touches ~20 structures" costs when each is a dense typed array, to set beside
// what the detector takes (bench/detect-only.mjs, first run). One cold run per process, as replay meets it.
// Usage: node bench/detector-floor.mjs [TABLES]   (npm run build first; run bench/replay.mjs once for the log)
import { existsSync } from 'node:fs';

const file = 'bench/out/sshd-1000000-100000-v2.log';
const tables = Number(process.argv[2] ?? 20);
if (!existsSync('dist/lib/parse/sshd-parser.js')) throw new Error('dist/lib is missing: npm run build');
if (!existsSync(file)) throw new Error(`${file} is missing: node bench/replay.mjs generates it`);
const { readLineBatches } = await import('../dist/lib/parse/line-reader.js');
const { SshdParser } = await import('../dist/lib/parse/sshd-parser.js');
const { ipv4Number } = await import('../dist/lib/parse/address.js');
const { nameHash } = await import('../dist/lib/correlate/name-key.js');

const FIRST = 1;
const LATER = 2;
const parser = new SshdParser({ referenceTime: Date.now() });
const ips = [];
const names = [];
const times = [];
const kinds = [];
for await (const lines of readLineBatches(file)) {
  for (const line of lines) {
    const e = parser.parseLine(line);
    if (e === null) continue;
    ips.push(ipv4Number(e.ip));
    names.push(e.user === undefined ? 0 : nameHash(e.user));
    times.push(e.time);
    kinds.push((e.kind === 'failure' && e.count > 0) || e.kind === 'probe' ? LATER : 0);
  }
}

/** Open addressing, linear probing, uint32 keys; 4 float64 words per entry. Full: the key shares its home entry. */
class Table {
  constructor(bits) {
    this.mask = (1 << bits) - 1;
    this.keys = new Uint32Array(1 << bits);
    this.values = new Float64Array(4 << bits);
    this.size = 0;
  }

  /** The entry of `key` (added if new), its time set and its count raised; the count. */
  touch(key, time) {
    const k = (key + 1) >>> 0;
    const home = (Math.imul(k, 2654435761) >>> 0) & this.mask;
    let i = home;
    for (;;) {
      const found = this.keys[i];
      if (found === k) break;
      if (found === 0) {
        if (this.size > this.mask >> 1) i = home;
        else {
          this.keys[i] = k;
          this.size++;
        }
        break;
      }
      i = (i + 1) & this.mask;
    }
    this.values[4 * i] = time;
    return ++this.values[4 * i + 1];
  }
}

// Per-source tables (2^17 entries) and per-block or per-name ones (2^15), one in three.
const others = Array.from({ length: tables }, (_, k) => new Table(k % 3 === 0 ? 15 : 17));
const addresses = new Table(18);
const records = new Float64Array(32 << 18);
let first = 0;
let sum = 0;
const started = performance.now();
for (let i = 0; i < ips.length; i++) {
  const ip = ips[i];
  const time = times[i];
  const seen = addresses.touch(ip, time);
  const record = 32 * ((Math.imul(ip + 1, 2654435761) >>> 0) & addresses.mask);
  records[record] = time;
  records[record + 1]++;
  if (seen === FIRST) {
    first++;
    for (let k = 0; k < tables; k++) {
      const key = k % 3 === 0 ? (ip >>> 8) + k : k % 3 === 1 ? ip ^ k : names[i] + k;
      sum += others[k].touch(key >>> 0, time);
    }
    records[record + 8] = time;
    records[record + 16] = time;
    records[record + 24] = time;
  } else if (kinds[i] === LATER && tables > 0) {
    for (let k = 0; k < 3; k++) sum += others[(k * 5) % tables].touch((ip ^ k) >>> 0, time);
  }
}
const ms = performance.now() - started;
console.log(
  `${tables} tables: ${ips.length} events (${first} first contacts) in ${ms.toFixed(0)} ms, ` +
    `${((1000 * ms) / ips.length).toFixed(2)} us per event (checksum ${sum % 1000})`,
);
