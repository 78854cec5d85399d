import { setFlagsFromString } from 'node:v8';

/**
 * How much V8 lets a heap grow past what survived its last full collection before the next one: 1.5x, for the two
 * commands that hold a detector's state (`run`, `replay`) and every thread they start after this call. Left to
 * itself V8 picks up to 4x (its ceiling when the heap may grow to gigabytes, as Node's default allows on most
 * machines). Measured on this project's benchmarks (2 cores, alternated runs, 2026-11-22):
 * - replay of bench/replay.mjs's log: the detector thread's last full collection came 1.7 s in, with 30 MB
 *   surviving, and none after it, so its heap ended at 130 MB committed for 34 MB live. At 1.5x, 4 more full
 *   collections (~50 ms of pauses in 3 s); peak RSS 256 -> ~205 MB, wall time within noise (lower factors kept it
 *   at ~200 MB for more collections);
 * - the service under bench/memory.mjs's flood of 200,000 addresses: peak RSS 350 -> ~266 MB (3 runs each), at
 *   up to a fifth more CPU during the flood (4.7 -> 5.3 s, medians).
 * Set at run time, as a command line flag cannot be for some subcommands only: V8 reads it at each full collection.
 */
export function limitHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
