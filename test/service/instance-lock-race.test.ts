import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { acquireInstanceLock, LOCK_FILE } from '../../src/service/instance-lock.js';
import { tempDir } from './helpers.js';

/**
 * Starts racing over a stale lock, each start's steps interleaved with the others' at every point. Processes cannot
 * be paused between two system calls on demand, so the file system calls the lock makes are wrapped (the real calls,
 * on a real directory): at the k-th call of start B, start A runs whole, and at the j-th, start C. Every pair (k, j)
 * is one schedule. A start that has begun is a running process (another start sees it as alive); the stale lock's
 * pid is gone. Found by reading: with the lock moved aside and put back by a link, a third start could take the
 * lock in between, and two services ran on one state directory.
 */
const hook: { at: (() => void) | undefined } = { at: undefined };
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => R) =>
    (...args: A): R => {
      hook.at?.();
      return call(...args);
    };
  return {
    ...real,
    symlinkSync: wrap(real.symlinkSync),
    readlinkSync: wrap(real.readlinkSync),
    renameSync: wrap(real.renameSync),
    linkSync: wrap(real.linkSync),
    unlinkSync: wrap(real.unlinkSync),
    lstatSync: wrap(real.lstatSync),
  };
});

const t = tempDir('lock-race');
afterAll(t.cleanup);

const STALE_PID = 1111;
const PIDS = { A: 2001, B: 2002, C: 2003 } as const;
type Start = keyof typeof PIDS;

/** One schedule: B runs, A runs whole at B's call `a`, C at B's call `c` (both after B if B makes fewer calls). */
function race(dir: string, a: number, c: number): { taken: Start[]; lockText: string | undefined } {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(`${STALE_PID} boot`, join(dir, LOCK_FILE)); // left by a crash
  const alive = new Set<number>();
  const taken: Start[] = [];
  const start = (name: Start) => {
    alive.add(PIDS[name]);
    try {
      acquireInstanceLock(dir, {
        pid: PIDS[name],
        bootId: 'boot',
        isRunning: (pid) => alive.has(pid),
        pause: () => {},
      });
      taken.push(name);
    } catch (error) {
      if (!/already running|other starts keep taking it/.test((error as Error).message)) throw error;
    }
  };
  let calls = 0;
  const pending = new Map<number, Start[]>([[a, ['A']]]);
  pending.set(c, [...(pending.get(c) ?? []), 'C']);
  hook.at = () => {
    const due = pending.get(++calls);
    if (!due) return;
    pending.delete(calls);
    const outer = hook.at;
    hook.at = undefined; // a start run at this point runs whole
    for (const name of due) start(name);
    hook.at = outer;
  };
  start('B');
  hook.at = undefined;
  for (const names of pending.values()) for (const name of names) start(name);
  let lockText: string | undefined;
  try {
    lockText = fs.readlinkSync(join(dir, LOCK_FILE));
  } catch {}
  return { taken, lockText };
}

describe('instance lock: starts racing over a stale lock', () => {
  it('leaves exactly one service holding the directory, whose lock it is, in every interleaving of three starts', () => {
    const dir = join(t.dir, 'three');
    const wrong: string[] = [];
    for (let a = 1; a <= 24; a++) {
      for (let c = a; c <= 24; c++) {
        const { taken, lockText } = race(dir, a, c);
        const holder = taken.length === 1 ? taken[0]! : undefined;
        if (!holder || lockText !== `${PIDS[holder]} boot`) {
          wrong.push(`A at ${a}, C at ${c}: taken by ${taken.join('+') || 'none'}, lock says ${lockText}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
