#!/usr/bin/env node
// Where the detector's time goes, by kind of event and by part of the detector: the replay benchmark's events are
// fed one at a time to a fresh core, each timed, and grouped by kind (failure, probe, success, disconnect; "+v" when
// the event produced a verdict, "0" when it repeats an attempt already counted). With --phases, named methods of the
// detector are wrapped with a timer too, and each kind's line shows the time spent in each, per event. The parts
// nest (the signals' `observe` run inside the intake, the book inside judge; a recency list is touched by the
// intake, the book and the success history alike), so they do not add up; a timer costs ~0.1 us, so with --phases
// every figure reads high. The first run warms the compiler and is not shown. For finding the work worth
// redesigning, not a figure to compare with a peer: bench/detect-only.mjs times detection as replay runs it.
// Usage: node bench/detect-phases.mjs [--phases] [FILE]   (npm run build first; run bench/replay.mjs once for the log)
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
const phases = args.includes('--phases');
const file = args.find((a) => !a.startsWith('--')) ?? 'bench/out/sshd-1000000-100000-v2.log';
if (!existsSync('dist/lib/correlate/create-core.js')) throw new Error('dist/lib is missing: npm run build');
if (!existsSync(file)) throw new Error(`${file} is missing: node bench/replay.mjs generates it`);
const lib = (path) => import(`../dist/lib/${path}`);
const { readLineBatches } = await lib('parse/line-reader.js');
const { SshdParser } = await lib('parse/sshd-parser.js');
const { createCore } = await lib('correlate/create-core.js');
const { DEBIAN_DEFAULT_THRESHOLDS } = await lib('core/fail2ban-thresholds.js');

// The parts timed with --phases: [label, module, class, method]. A label is shown only for kinds where it ran.
const PARTS = [
  ['alerts', 'alerts/alert-core.js', 'AlertCore', 'onAuthEvent'],
  ['clock', 'correlate/campaign-detector.js', 'CampaignDetector', 'tick'],
  ['new source', 'correlate/source-table.js', 'SourceTable', 'touch'],
  ['intake', 'correlate/evidence-intake.js', 'EvidenceIntake', 'observeFailure'],
  ['intake', 'correlate/evidence-intake.js', 'EvidenceIntake', 'observeProbe'],
  ['success history', 'correlate/success-history.js', 'SuccessHistory', 'protects'],
  ['recency lists', 'correlate/recency-map.js', 'RecencyMap', 'touch'],
  ['rhythm', 'correlate/signals/rhythm.js', 'RhythmSignal', 'observe'],
  ['persistence', 'correlate/signals/persistence.js', 'PersistenceSignal', 'observe'],
  ['locality', 'correlate/signals/locality.js', 'LocalitySignal', 'observe'],
  ['synchrony', 'correlate/signals/synchrony.js', 'SynchronySignal', 'observe'],
  ['dictionary', 'correlate/signals/dictionary.js', 'DictionarySignal', 'observe'],
  ['probing', 'correlate/signals/probing.js', 'ProbingSignal', 'observe'],
  ['predictable', 'correlate/predictable-sources.js', 'PredictableSources', 'observe'],
  ['judge', 'correlate/campaign-detector.js', 'CampaignDetector', 'judge'],
  ['evidence', 'correlate/signal-set.js', 'SignalSet', 'evaluate'],
  ['book', 'correlate/campaign-book.js', 'CampaignBook', 'consider'],
  ['member', 'correlate/campaign-book.js', 'CampaignBook', 'onMember'],
];
const spent = new Map();
if (phases) {
  for (const [label, path, className, method] of PARTS) {
    const proto = (await lib(path))[className]?.prototype;
    const original = proto?.[method];
    if (typeof original !== 'function') throw new Error(`${className}.${method} is gone from ${path}: update PARTS`);
    let depth = 0; // a recursive or re-entrant call is counted once, at its outermost
    proto[method] = function timed(...a) {
      if (depth++ > 0) {
        try {
          return original.apply(this, a);
        } finally {
          depth--;
        }
      }
      const started = performance.now();
      try {
        return original.apply(this, a);
      } finally {
        spent.set(label, (spent.get(label) ?? 0) + performance.now() - started);
        depth--;
      }
    };
  }
}

const parser = new SshdParser({ referenceTime: Date.now() });
let events = [];
for await (const lines of readLineBatches(file)) {
  for (const line of lines) {
    const e = parser.parseLine(line);
    if (e) events.push(e);
  }
}
// Flat strings, as replay's detector thread receives them from the parser's (the parser's usernames are slices).
events = structuredClone(events);

for (let run = 0; run < 2; run++) {
  const core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
  const byKind = new Map();
  for (const e of events) {
    spent.clear();
    const started = performance.now();
    const verdicts = core.onAuthEvent(e);
    const ms = performance.now() - started;
    const kind = e.kind + (e.count === 0 ? '0' : '') + (verdicts.length > 0 ? '+v' : '');
    let k = byKind.get(kind);
    if (k === undefined) {
      k = { n: 0, ms: 0, parts: new Map() };
      byKind.set(kind, k);
    }
    k.n++;
    k.ms += ms;
    for (const [label, t] of spent) k.parts.set(label, (k.parts.get(label) ?? 0) + t);
  }
  if (run === 0) continue;
  const total = [...byKind.values()].reduce((sum, k) => sum + k.ms, 0);
  console.log(`${events.length} events, ${total.toFixed(0)} ms in onAuthEvent${phases ? ' (timers included)' : ''}`);
  console.log('kind          events     ms  share  us/event');
  for (const [kind, k] of [...byKind].sort((a, b) => b[1].ms - a[1].ms)) {
    const us = (1000 * k.ms) / k.n;
    console.log(
      `${kind.padEnd(12)} ${String(k.n).padStart(7)} ${k.ms.toFixed(0).padStart(6)} ${((100 * k.ms) / total).toFixed(0).padStart(5)}%  ${us.toFixed(2).padStart(8)}`,
    );
    for (const [label] of PARTS.filter(([l], i) => PARTS.findIndex(([m]) => m === l) === i)) {
      const t = k.parts.get(label);
      if (t !== undefined && (1000 * t) / k.n >= 0.05)
        console.log(`    ${label.padEnd(16)} ${((1000 * t) / k.n).toFixed(2).padStart(8)}`);
    }
  }
}
