#!/usr/bin/env node
// Instructions, not seconds: what the parser or the detector costs as counted by valgrind's cachegrind, which does
// not care how loaded the machine is. This machine's speed swings by a third within minutes, so a change worth a few
// percent cannot be seen in timings; counted instructions repeat within ~0.5% from run to run. Each figure is the
// difference of two runs of one process under cachegrind: with the part measured and without it (for `parse`:
// reading the lines, then also parsing them and writing the batches' columns; for `detect`: parsing the events, then
// also running a fresh core over them). Node runs with --single-threaded, so V8's optimizing compiler and collector
// work on the measured thread and are counted too, by category (code V8 generated, V8's builtins such as Map
// lookups, TurboFan, the collector, libc, the rest).
// Not a speed: an instruction of TurboFan's or of a cache-missing Map lookup costs more time than one of a tight
// loop. For comparing two builds of one part, alternated timings still decide what replay gains.
// With --functions, callgrind instead, and the instructions of each function, named for the code V8 compiled too
// (the functions' own, not those of what they call): a profile that repeats, where a sampling one does not.
// `replay` counts the whole command instead, all its threads (replayCount says why).
// Usage: [NODE_FLAGS='--v8-flag ...'] node bench/instructions.mjs parse|detect|replay [LINES] [--functions]
//   (npm run build first; run bench/replay.mjs once for the log; apt-get install valgrind). LINES: the benchmark
//   log's first LINES lines (default 200,000).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOG = 'bench/out/sshd-1000000-100000-v2.log';

const args = process.argv.slice(2);
if (args[0] === '--run') await run(args[1], args[2], args[3] === 'with');
else {
  const functions = args.includes('--functions');
  const [part, lines] = args.filter((a) => a !== '--functions');
  measure(part, Number(lines ?? 200_000), functions);
}

function measure(part, lines, functions) {
  if (part !== 'parse' && part !== 'detect' && part !== 'replay') {
    throw new Error('usage: node bench/instructions.mjs parse|detect|replay [LINES] [--functions]');
  }
  if (part === 'replay' && functions) throw new Error('--functions is for parse and detect');
  if (!existsSync('/usr/bin/valgrind')) throw new Error('valgrind is missing: apt-get install valgrind');
  if (!existsSync('dist/lib/replay/parse-worker.js')) throw new Error('dist/lib is missing: npm run build');
  if (!existsSync(LOG)) throw new Error(`${LOG} is missing: node bench/replay.mjs generates it`);
  const dir = mkdtempSync(join(tmpdir(), 'f2b-instructions-'));
  try {
    const slice = join(dir, 'slice.log');
    writeFileSync(slice, firstLines(LOG, lines));
    if (part === 'replay') {
      print(part, lines, replayCount(dir, slice));
      return;
    }
    if (functions) {
      const before = selfCounts(dir, part, slice, 'without');
      const after = selfCounts(dir, part, slice, 'with');
      const rows = [...after].map(([name, n]) => [name, n - (before.get(name) ?? 0)]).sort((a, b) => b[1] - a[1]);
      const total = rows.reduce((sum, [, n]) => sum + n, 0);
      console.log(
        `${part}, ${lines.toLocaleString('en')} lines: ${(total / 1e6).toFixed(0)} M instructions, by function`,
      );
      for (const [name, n] of rows.slice(0, 60)) {
        console.log(`  ${(n / 1e6).toFixed(1).padStart(8)} M ${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`);
      }
      return;
    }
    const without = count(dir, part, slice, 'without');
    const withPart = count(dir, part, slice, 'with');
    const difference = { total: withPart.total - without.total };
    for (const k of Object.keys(withPart)) if (k !== 'total') difference[k] = (withPart[k] ?? 0) - (without[k] ?? 0);
    print(part, lines, difference);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(part, lines, sums) {
  const rows = Object.entries(sums)
    .filter(([k]) => k !== 'total')
    .sort((a, b) => b[1] - a[1]);
  console.log(`${part}, ${lines.toLocaleString('en')} lines: ${(sums.total / 1e6).toFixed(0)} M instructions`);
  console.log(`  ${(sums.total / lines).toFixed(0)} per line`);
  for (const [k, n] of rows)
    console.log(`  ${k.padEnd(10)} ${(n / 1e6).toFixed(0).padStart(7)} M  ${((100 * n) / sums.total).toFixed(1)}%`);
}

/**
 * The whole of `f2b-campaign replay` on the slice, as users run it: both its threads and V8's background threads
 * (compiling, collecting), start and exit included. On two cores, with all of them busy, replay's wall time follows
 * this total more than either thread's part. Valgrind runs one thread at a time: the work is counted, not how the
 * threads overlap.
 */
function replayCount(dir, slice) {
  const out = join(dir, 'replay.cg');
  valgrind(
    ['--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${out}`],
    [],
    ['bin/f2b-campaign.js', 'replay', '--auth-log', slice, '--verdicts', '/dev/null', '--fail2ban-defaults'],
  );
  return annotatedCategories(out);
}

/** The first `n` lines of `file` (all of it if it has fewer). */
function firstLines(file, n) {
  const bytes = readFileSync(file);
  let end = 0;
  for (let i = 0; i < n; i++) {
    const newline = bytes.indexOf(0x0a, end);
    if (newline < 0) return bytes;
    end = newline + 1;
  }
  return bytes.subarray(0, end);
}

/**
 * One run of this script's runner (`--run part slice mode`) under a valgrind tool, in one thread (--single-threaded:
 * V8's compiler and collector then work on it too).
 */
function underValgrind(toolArgs, nodeArgs, part, slice, mode) {
  return valgrind(toolArgs, ['--single-threaded', ...nodeArgs], ['bench/instructions.mjs', '--run', part, slice, mode]);
}

/**
 * `node args` under a valgrind tool, with the node flags every run takes (and NODE_FLAGS'). V8 writes and rewrites
 * machine code: without --smc-check valgrind would run stale translations of it.
 */
function valgrind(toolArgs, nodeArgs, args) {
  const extra = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const r = spawnSync(
    'valgrind',
    [
      ...toolArgs,
      '--smc-check=all-non-file',
      process.execPath,
      '--max-semi-space-size=4',
      ...nodeArgs,
      ...extra,
      ...args,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) throw new Error(`valgrind failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return r;
}

/** One run under cachegrind: its instructions by category. */
function count(dir, part, slice, mode) {
  const out = join(dir, `${part}-${mode}.cg`);
  underValgrind(['--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${out}`], [], part, slice, mode);
  return annotatedCategories(out);
}

/** A cachegrind output's instructions by category (cg_annotate's per-function lines, summed). */
function annotatedCategories(out) {
  const annotated = spawnSync('cg_annotate', ['--threshold=0', out], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (annotated.status !== 0) throw new Error(`cg_annotate failed: ${annotated.stderr}`);
  return categories(annotated.stdout);
}

/**
 * One run under callgrind, recording each instruction's address: the instructions of each function (itself, not
 * what it calls), the code V8 compiled named from the map node writes with --perf-basic-prof (`JS:*name file:line`:
 * `*` optimized, `~` not yet).
 */
function selfCounts(dir, part, slice, mode) {
  const out = join(dir, `${part}-${mode}.callgrind`);
  const r = underValgrind(
    ['--tool=callgrind', '--dump-instr=yes', `--callgrind-out-file=${out}`],
    // --perf-basic-prof also turns on V8's log, which would be left in the working directory as isolate-*-v8.log.
    ['--perf-basic-prof', '--no-logfile-per-isolate', `--logfile=${join(dir, 'v8.log')}`],
    part,
    slice,
    mode,
  );
  const mapFile = `/tmp/perf-${r.pid}.map`;
  try {
    return selfByFunction(readFileSync(out, 'utf8'), existsSync(mapFile) ? readFileSync(mapFile, 'utf8') : '');
  } finally {
    rmSync(mapFile, { force: true });
  }
}

/** Self instructions by function name from callgrind's output (format: valgrind's docs, "Callgrind Format"). */
function selfByFunction(text, perfMap) {
  const code = perfMap
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      const short = name
        .join(' ')
        .replace(/file:\/\/\S*\/dist\/lib\//, '')
        .replace(/node:internal\//, 'node:');
      return { start: Number.parseInt(start, 16), end: Number.parseInt(start, 16) + Number.parseInt(size, 16), short };
    })
    .sort((a, b) => a.start - b.start);
  const named = (address) => {
    let lo = 0;
    let hi = code.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (code[mid].start <= address) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && address < code[hi].end ? code[hi].short : null;
  };
  // Names are compressed: `fn=(12) name` the first time, `fn=(12)` after.
  const names = new Map();
  const nameOf = (ref) => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(ref);
    if (!m) return ref;
    if (m[2] !== undefined) names.set(m[1], m[2]);
    return names.get(m[1]) ?? ref;
  };
  const counts = new Map();
  let fn = '?';
  let address = 0;
  let callCost = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) fn = nameOf(line.slice(3));
    else if (line.startsWith('cfn=')) nameOf(line.slice(4));
    // The line after `calls=` is the call's inclusive cost, not the caller's own.
    else if (line.startsWith('calls=')) callCost = true;
    else {
      const m = /^(0x[0-9a-f]+|[+-]\d+|\*)\s+\S+\s+(\d+)/.exec(line);
      if (!m) continue;
      if (m[1].startsWith('0x')) address = Number.parseInt(m[1], 16);
      else if (m[1] !== '*') address += Number(m[1]);
      if (callCost) {
        callCost = false;
        continue;
      }
      const name = named(address) ?? fn;
      counts.set(name, (counts.get(name) ?? 0) + Number(m[2]));
    }
  }
  return counts;
}

/** cg_annotate's per-function lines summed by category. */
function categories(text) {
  const sums = { total: 0 };
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!m) continue;
    const n = Number(m[1].replaceAll(',', ''));
    if (/PROGRAM TOTALS/.test(m[2])) {
      sums.total = n;
      continue;
    }
    const where = m[2];
    const kind = /^\?\?\?:\?\?\?$/.test(where)
      ? 'generated'
      : /compiler::|Compiler|turboshaft|Pipeline/.test(where)
        ? 'turbofan'
        : /Scaveng|Marking|Sweeper|Heap|MarkCompact|Evacuat|heap::base|GCTracer/.test(where)
          ? 'collector'
          : /Builtins_/.test(where)
            ? 'builtins'
            : /malloc|memcpy|memmove|memset|\.S:|libc/.test(where)
              ? 'libc'
              : 'other';
    sums[kind] = (sums[kind] ?? 0) + n;
  }
  if (sums.total === 0) throw new Error('cg_annotate printed no totals');
  return sums;
}

/** The measured process: reads (and parses) the slice, then, `withPart`, runs the part measured once. */
async function run(part, slice, withPart) {
  const { jobParser, parseChunk } = await import('../dist/lib/replay/parse-worker.js');
  const job = { files: [{ path: slice, mtime: statSync(slice).mtimeMs }], headerless: false };
  const { parser, lines: chunks } = jobParser(job);
  if (part === 'parse') {
    let n = 0;
    for await (const chunk of chunks) {
      if (withPart) parseChunk(parser, chunk);
      n += chunk.length;
    }
    if (n === 0) throw new Error('no lines');
    return;
  }
  const batches = [];
  for await (const chunk of chunks) {
    const batch = parseChunk(parser, chunk);
    if (batch !== null) batches.push(batch);
  }
  if (!withPart) return;
  const { createCore } = await import('../dist/lib/correlate/create-core.js');
  const { EventColumns } = await import('../dist/lib/replay/event-batch.js');
  const { formatVerdictLine } = await import('../dist/lib/verdict/verdict-line.js');
  const { DEBIAN_DEFAULT_THRESHOLDS } = await import('../dist/lib/core/fail2ban-thresholds.js');
  const { replayLogs } = await import('../dist/lib/replay/replay-logs.js');
  const core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
  let length = 0;
  async function* events() {
    // As replay's detector thread receives and reads them: cloned (its strings arrive flat and new).
    for (const batch of batches) yield new EventColumns(structuredClone(batch));
  }
  await replayLogs({ events: events(), core, emit: (v) => (length += formatVerdictLine(v, 0).length) });
  if (length === 0) throw new Error('no verdicts');
}
