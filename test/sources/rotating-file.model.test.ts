import {
  closeSync,
  copyFileSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { FilePosition } from '../../src/sources/file-position.js';
import { RotatingFile } from '../../src/sources/rotating-file.js';

/**
 * Model-based test of the log follower against real files: random sequences of appends (whole and split lines,
 * multi-byte and invalid UTF-8), rename-and-create rotation with late lines to the old file, copytruncate,
 * delete-and-recreate, and stop/restart of the follower from its persisted (JSON round-tripped) position, with
 * rotations and appends while it is stopped. The model is simply the list of lines written; the property is that
 * every one of them is delivered exactly once.
 */
const RUNS = Number(process.env.F2B_MODEL_RUNS ?? 1000);

type Op =
  | { kind: 'append'; count: number }
  | { kind: 'half' }
  | { kind: 'poll' }
  | { kind: 'rename'; late: number; pollBetween: boolean }
  | { kind: 'copytruncate' }
  | { kind: 'delete' }
  | { kind: 'restart'; opsWhileDown: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'half' as const }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'poll' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('rename' as const),
      late: fc.integer({ min: 0, max: 5 }),
      pollBetween: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'copytruncate' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('restart' as const), opsWhileDown: fc.integer({ min: 0, max: 3 }) }),
  },
);

const root = mkdtempSync(join(tmpdir(), 'f2b-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function payload(id: number): Buffer {
  const parts = [Buffer.from(`L${id} `)];
  if (id % 3 === 0) parts.push(Buffer.from('user é 日本 '));
  if (id % 7 === 0) parts.push(Buffer.from([0xff, 0xfe, 0x80]));
  if (id % 11 === 0) parts.push(Buffer.alloc(5000, 0x61));
  return Buffer.concat(parts);
}

class World {
  readonly path: string;
  written: number[] = [];
  delivered: number[] = [];
  private nextId = 1;
  private fd: number;
  private half: Buffer | null = null;
  private halfId = 0;
  private now = 0;
  reader: RotatingFile | null;
  private saved: FilePosition | null = null;

  constructor(dir: string) {
    this.path = join(dir, 'auth.log');
    this.fd = openSync(this.path, 'a');
    this.reader = this.makeReader(null);
    this.poll(); // AuthLogSource.start() looks at once
  }

  private makeReader(position: FilePosition | null): RotatingFile {
    return new RotatingFile({
      path: this.path,
      startAt: 'start',
      position,
      graceMs: 5000,
      clock: () => this.now,
      ...(process.env.F2B_DEBUG ? { onNotice: (e: string, d: Record<string, unknown>) => console.log(e, d) } : {}),
      onLine: (line) => {
        const id = /^L(\d+) /.exec(line);
        if (!id) throw new Error(`delivered a line that was never written whole: ${JSON.stringify(line.slice(0, 80))}`);
        if (process.env.F2B_DEBUG) console.log('line', line.slice(0, 10));
        this.delivered.push(Number(id[1]));
      },
    });
  }

  private completeHalf(): void {
    if (!this.half) return;
    writeSync(this.fd, ' tail\n');
    this.written.push(this.halfId);
    this.half = null;
  }

  append(count: number, fd = this.fd): void {
    if (fd === this.fd) this.completeHalf();
    for (let i = 0; i < count; i++) {
      const id = this.nextId++;
      writeSync(fd, Buffer.concat([payload(id), Buffer.from('\n')]));
      this.written.push(id);
    }
  }

  writeHalf(): void {
    this.completeHalf();
    this.halfId = this.nextId++;
    this.half = payload(this.halfId);
    writeSync(this.fd, this.half);
  }

  poll(): void {
    this.now += 1000;
    if (!this.reader) return;
    while (this.reader.poll()) {
      // more to read right away
    }
  }

  /** Rotations are at least one look apart while the follower runs (it looks every second). */
  private beforeRotation(): void {
    this.completeHalf();
    if (this.reader) this.poll();
  }

  private shift(): void {
    let top = 1;
    while (existsSync(`${this.path}.${top}`)) top++;
    for (let k = top - 1; k >= 1; k--) renameSync(`${this.path}.${k}`, `${this.path}.${k + 1}`);
  }

  rename(late: number, pollBetween: boolean): void {
    this.beforeRotation();
    this.shift();
    renameSync(this.path, `${this.path}.1`);
    if (pollBetween) this.poll();
    this.append(late);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
  }

  copytruncate(): void {
    this.beforeRotation();
    this.shift();
    copyFileSync(this.path, `${this.path}.1`);
    ftruncateSync(this.fd, 0);
  }

  remove(): void {
    this.beforeRotation();
    unlinkSync(this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
  }

  stop(): void {
    if (!this.reader) return;
    this.saved = JSON.parse(JSON.stringify(this.reader.position())) as FilePosition;
    this.reader.close();
    this.reader = null;
  }

  start(): void {
    this.reader = this.makeReader(this.saved);
    this.poll(); // AuthLogSource.start() looks at once
  }

  finish(): void {
    this.completeHalf();
    if (!this.reader) this.start();
    this.poll();
    this.reader?.close();
    closeSync(this.fd);
  }
}

describe('RotatingFile against real files (model-based)', () => {
  let run = 0;
  it(`delivers every line written exactly once over ${RUNS} random sequences`, () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(3), { maxLength: 40 }),
        (ops, down) => {
          const dir = join(root, `run-${run++}`);
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(dir);
          const world = new World(dir);
          let downIndex = 0;
          for (const op of ops) {
            switch (op.kind) {
              case 'append':
                world.append(op.count);
                break;
              case 'half':
                world.writeHalf();
                break;
              case 'poll':
                world.poll();
                break;
              case 'rename':
                world.rename(op.late, op.pollBetween);
                break;
              case 'copytruncate':
                world.copytruncate();
                break;
              case 'delete':
                world.remove();
                break;
              case 'restart': {
                world.stop();
                // While stopped: appends and rotations happen (deleting the file then would lose it for anyone).
                for (let i = 0; i < op.opsWhileDown; i++) {
                  const pick = down[downIndex++ % Math.max(1, down.length)] ?? 0;
                  if (pick === 0) world.rename(1, false);
                  else if (pick === 1) world.copytruncate();
                  else world.append(3);
                }
                world.start();
                break;
              }
            }
          }
          world.finish();
          const sorted = [...world.delivered].sort((a, b) => a - b);
          expect(sorted).toEqual([...world.written].sort((a, b) => a - b));
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      {
        numRuns: RUNS,
        // F2B_MODEL_EXAMPLE='[[ops],[down]]' replays one counterexample first (debugging aid).
        examples: process.env.F2B_MODEL_EXAMPLE ? [JSON.parse(process.env.F2B_MODEL_EXAMPLE) as [Op[], number[]]] : [],
      },
    );
  }, 300_000);
});
