import { Worker } from 'node:worker_threads';

/** What is kept of a gzip file decompressed streaming. */
export interface GzipTail {
  /** The decompressed length. */
  readonly total: number;
  /** The last `tailBytes` decompressed bytes (all, when fewer). */
  readonly tail: Buffer;
  /** The decompressed bytes from `window.from` to `window.to` (fewer when the data ends before). */
  readonly window: Buffer;
}

/** How long a start waits for one file: minutes of decompressing would be a file no verdict log grows to. */
const WAIT_MS = 120_000;

/**
 * The reader, in a thread of its own: zlib's stream, piece by piece, keeping the last `tailBytes` and the window;
 * then it puts them in the shared memory and wakes the caller. Node's synchronous zlib calls take the input whole
 * and give the output whole; its engine's one-step call closes the engine after one piece.
 */
const READER = `
const { workerData: w } = require('node:worker_threads');
const { createReadStream } = require('node:fs');
const { createGunzip } = require('node:zlib');
const state = new Int32Array(w.shared, 0, 1);
const sizes = new Float64Array(w.shared, 8, 3);
const out = Buffer.from(w.shared, 32);
const kept = [];
let keptBytes = 0;
let total = 0;
const done = (code) => { Atomics.store(state, 0, code); Atomics.notify(state, 0); };
const gunzip = createGunzip();
gunzip.on('data', (piece) => {
  const from = Math.max(w.from, total);
  const to = Math.min(w.to, total + piece.length);
  if (from < to) piece.copy(out, from - w.from, from - total, to - total);
  total += piece.length;
  kept.push(piece);
  keptBytes += piece.length;
  while (kept.length > 1 && keptBytes - kept[0].length >= w.tailBytes) keptBytes -= kept.shift().length;
});
gunzip.on('end', () => {
  const all = Buffer.concat(kept);
  const tail = all.subarray(Math.max(0, all.length - w.tailBytes));
  tail.copy(out, w.to - w.from);
  sizes[0] = total;
  sizes[1] = tail.length;
  sizes[2] = Math.max(0, Math.min(w.to, total) - w.from);
  done(1);
});
gunzip.on('error', () => done(2));
const input = createReadStream(w.file);
input.on('error', () => done(2));
input.pipe(gunzip);
`;

/**
 * Decompresses a gzip file streaming and keeps only its last `tailBytes` and one window of it: memory stays at about
 * twice `tailBytes` whatever the file holds once decompressed. Synchronous, as the start that reads it is (a writer's
 * constructor): the caller waits on shared memory while a worker thread reads. null when the file cannot be read, is
 * no whole gzip stream (cut short, not gzip), or takes longer than WAIT_MS.
 */
export function gzipTail(file: string, tailBytes: number, window: { from: number; to: number }): GzipTail | null {
  const windowBytes = Math.max(0, window.to - window.from);
  const shared = new SharedArrayBuffer(32 + windowBytes + tailBytes);
  const state = new Int32Array(shared, 0, 1);
  const worker = new Worker(READER, {
    eval: true,
    workerData: { file, tailBytes, from: window.from, to: window.from + windowBytes, shared },
  });
  try {
    Atomics.wait(state, 0, 0, WAIT_MS);
  } finally {
    void worker.terminate();
  }
  if (Atomics.load(state, 0) !== 1) return null;
  const [total, tailLength, windowLength] = new Float64Array(shared, 8, 3);
  const bytes = Buffer.from(shared, 32);
  return {
    total: total!,
    window: Buffer.from(bytes.subarray(0, windowLength)),
    tail: Buffer.from(bytes.subarray(windowBytes, windowBytes + tailLength!)),
  };
}
