import { execFileSync, spawn } from 'node:child_process';
import { lutimesSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireInstanceLock, isRunningCampaign, LOCK_FILE } from '../../src/service/instance-lock.js';
import { tempDir } from './helpers.js';

const t = tempDir('lock');
afterAll(t.cleanup);

/** A start of `pid` in boot `bootId` that may find a stale lock: its lock, and the pids it said it took over. */
function startTakingOver(dir: string, pid: number, bootId: string, isRunning: (pid: number) => boolean) {
  const stale: number[] = [];
  const lock = acquireInstanceLock(dir, { pid, bootId, isRunning, onStale: (p) => stale.push(p) });
  return { lock, stale };
}

describe('instance lock', () => {
  it('refuses a second run on the same state_dir, naming the pid of the first, until the first releases', () => {
    const dir = join(t.dir, 'two');
    const first = acquireInstanceLock(dir, { pid: 4101, bootId: 'b1', isRunning: () => true });
    expect(readlinkSync(join(dir, LOCK_FILE))).toBe('4101 b1');
    expect(() => acquireInstanceLock(dir, { pid: 4102, bootId: 'b1', isRunning: () => true })).toThrow(
      /already running on .* \(pid 4101, lock .*run\.lock\)/,
    );
    first.release();
    const second = acquireInstanceLock(dir, { pid: 4102, bootId: 'b1', isRunning: () => true });
    expect(readlinkSync(join(dir, LOCK_FILE))).toBe('4102 b1');
    second.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  // Found in review: the lock was a file, which takes a block, so on a full disk the service did not start at all
  // (systemd tried every 5 s) and banned nothing until someone freed space.
  it('on a full disk (no free block), takes the lock, refuses a second start, and takes over a stale lock', () => {
    const dir = join(t.dir, 'full');
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'f2b-test-full', dir]);
    try {
      writeFileSync(join(dir, 'filler'), Buffer.alloc(16 * 1024));
      expect(() => writeFileSync(join(dir, 'one-byte'), 'x')).toThrow('ENOSPC');
      acquireInstanceLock(dir, { pid: 4301, bootId: 'b1' }); // never released: killed with -9
      expect(readlinkSync(join(dir, LOCK_FILE))).toBe('4301 b1');
      expect(() => acquireInstanceLock(dir, { pid: 4302, bootId: 'b1', isRunning: () => true })).toThrow(
        '(pid 4301, lock',
      );
      const { lock, stale } = startTakingOver(dir, 4303, 'b1', () => false);
      expect(stale).toEqual([4301]);
      expect(readlinkSync(lock.path)).toBe('4303 b1');
      lock.release();
      expect(readdirSync(dir).sort()).toEqual(['filler', 'one-byte']);
    } finally {
      execFileSync('umount', [dir]);
    }
  });

  it('on a file system with no inode left, fails naming the lock and the cause, and leaves no file behind', () => {
    const dir = join(t.dir, 'no-inode');
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,nr_inodes=8', 'f2b-test-inodes', dir]);
    try {
      const made: string[] = [];
      try {
        for (let i = 0; ; i++) {
          writeFileSync(join(dir, `f${i}`), '');
          made.push(`f${i}`);
        }
      } catch {
        // ENOSPC: no inode left.
      }
      const path = join(dir, LOCK_FILE);
      expect(() => acquireInstanceLock(dir, { pid: 4401, bootId: 'b1' })).toThrow(
        `cannot take ${path} (ENOSPC: no space left on device, symlink '4401 b1' -> '${path}'): the state ` +
          "directory's file system is full",
      );
      expect(readdirSync(dir).sort()).toEqual(made.sort());
    } finally {
      execFileSync('umount', [dir]);
    }
  });

  // A lock an earlier version left as a file (killed, then the package upgraded) still holds the directory.
  it('reads a lock left as a file: refuses while its pid runs, takes it over once gone', () => {
    const dir = join(t.dir, 'file');
    mkdirSync(dir);
    writeFileSync(join(dir, LOCK_FILE), '4501 b1\n');
    expect(() => acquireInstanceLock(dir, { pid: 4502, bootId: 'b1', isRunning: () => true })).toThrow(
      '(pid 4501, lock',
    );
    const { lock, stale } = startTakingOver(dir, 4503, 'b1', () => false);
    expect(stale).toEqual([4501]);
    expect(readlinkSync(lock.path)).toBe('4503 b1');
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes over a lock whose process is gone, saying so', () => {
    const dir = join(t.dir, 'stale');
    acquireInstanceLock(dir, { pid: 4201, bootId: 'b1', isRunning: () => true }); // never released: a crash
    const { lock, stale } = startTakingOver(dir, 4202, 'b1', () => false);
    expect(stale).toEqual([4201]);
    expect(readlinkSync(lock.path)).toBe('4202 b1');
    lock.release();
    expect(readdirSync(dir)).toEqual([]); // existsSync follows the link, which names no file: it would say false always
  });

  // A start that dies between claiming a stale lock and replacing it leaves its claim (instance-lock.ts,
  // replaceStale): the next start takes that claim over the same way and then the lock, and leaves neither behind.
  it('takes over a stale lock whose last taker died in the middle of the takeover; waits for a live taker', () => {
    const dir = join(t.dir, 'claim');
    mkdirSync(dir);
    symlinkSync('4601 b1', join(dir, LOCK_FILE));
    symlinkSync('4602 b1', join(dir, `${LOCK_FILE}.4601_b1.taking`));
    const pauses: number[] = [];
    const taker = (running: number[]) =>
      acquireInstanceLock(dir, {
        pid: 4603,
        bootId: 'b1',
        isRunning: (pid) => running.includes(pid),
        pause: (ms) => pauses.push(ms),
      });
    expect(() => taker([4602])).toThrow(
      `other starts keep taking it (${join(dir, `${LOCK_FILE}.4601_b1.taking`)} -> 4602 b1); remove that claim`,
    );
    expect(pauses.length).toBeGreaterThan(10);
    expect(readlinkSync(join(dir, LOCK_FILE))).toBe('4601 b1');
    const lock = taker([]);
    expect(readlinkSync(lock.path)).toBe('4603 b1');
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  // Found in session 27: a claim whose taker died, its pid given since to a program that runs for long (here one
  // whose command line names f2b-campaign, as `tail -f /var/log/f2b-campaign/verdicts.log` does), made every start
  // wait ~2 s and exit with LOCK_CONTENDED, for as long as that program ran.
  it('takes over a claim whose pid now runs a program started after the claim was made; waits while it is not', async () => {
    const dir = join(t.dir, 'claim-reused');
    mkdirSync(dir);
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'f2b-campaign'], { stdio: 'ignore' });
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(isRunningCampaign(other.pid!)).toBe(true);
      const stale = `${gone.pid} ${boot}`;
      symlinkSync(stale, join(dir, LOCK_FILE));
      const claim = join(dir, `${LOCK_FILE}.${stale.replace(' ', '_')}.taking`);
      symlinkSync(`${other.pid} ${boot}`, claim);
      // Made now, after that program started: its taker may be at work.
      const start = () => acquireInstanceLock(dir, { pid: 4801, pause: () => {} });
      expect(start).toThrow(`other starts keep taking it (${claim} -> ${other.pid} ${boot})`);
      // Made a minute before that program started: its taker is gone.
      const before = new Date(Date.now() - 60_000);
      lutimesSync(claim, before, before);
      const lock = start();
      expect(readlinkSync(lock.path)).toBe(`4801 ${boot}`);
      lock.release();
      expect(readdirSync(dir)).toEqual([]);
      // The lock itself alike: its service crashed and its pid went to that program later.
      symlinkSync(`${other.pid} ${boot}`, join(dir, LOCK_FILE));
      expect(start).toThrow(`already running on ${dir} (pid ${other.pid}`);
      lutimesSync(join(dir, LOCK_FILE), before, before);
      const taken: number[] = [];
      acquireInstanceLock(dir, { pid: 4802, onStale: (pid) => taken.push(pid) }).release();
      expect(taken).toEqual([other.pid]);
    } finally {
      other.kill();
    }
  });

  // Where the pid's start cannot be read (another user's process, hidden by ProtectProc=invisible), a claim older than
  // any takeover takes is left by a taker that died.
  it('takes over a claim of a running pid made more than 10 minutes ago', () => {
    const dir = join(t.dir, 'claim-old');
    mkdirSync(dir);
    symlinkSync('4901 b1', join(dir, LOCK_FILE));
    symlinkSync('4902 b1', join(dir, `${LOCK_FILE}.4901_b1.taking`));
    const start = (minutes: number) =>
      acquireInstanceLock(dir, {
        pid: 4903,
        bootId: 'b1',
        isRunning: (pid) => pid === 4902,
        pause: () => {},
        now: () => Date.now() + minutes * 60_000,
      });
    expect(() => start(9)).toThrow('other starts keep taking it');
    const lock = start(11);
    expect(readlinkSync(lock.path)).toBe('4903 b1');
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  // kill -9 between a takeover's steps leaves its claim, or the link it was to rename over the lock: clutter that
  // nothing else removes, gone once a start holds the lock (another takeover can no longer change it then).
  it('removes what a start killed in the middle of a takeover left, once it holds the lock', () => {
    const dir = join(t.dir, 'leftovers');
    mkdirSync(dir);
    symlinkSync('4701 b1', join(dir, `${LOCK_FILE}.4700_b1.taking`));
    symlinkSync('4702 b1', join(dir, `${LOCK_FILE}.4702.new`));
    writeFileSync(join(dir, 'state.json'), '{}');
    const lock = acquireInstanceLock(dir, { pid: 4703, bootId: 'b1', isRunning: () => false });
    expect(readdirSync(dir).sort()).toEqual([LOCK_FILE, 'state.json']);
    lock.release();
  });

  it("takes over a lock from an earlier boot even if its pid now runs (a power loss: that pid may be another program's)", () => {
    const dir = join(t.dir, 'boot');
    acquireInstanceLock(dir, { pid: 4301, bootId: 'before', isRunning: () => true });
    const { lock, stale } = startTakingOver(dir, 4302, 'after', () => true);
    expect(stale).toEqual([4301]);
    expect(readlinkSync(lock.path)).toBe('4302 after');
  });

  // In a container the service is the same pid at every start (1, or a small number), in the same boot as the run
  // that crashed: the lock's pid running an f2b-campaign is then this very process, not another run.
  it('takes over a lock that names its own pid, left by a run of the same pid in the same boot', () => {
    const dir = join(t.dir, 'same-pid');
    acquireInstanceLock(dir, { pid: 7, bootId: 'b1', isRunning: () => true }); // never released: a crash
    const { lock, stale } = startTakingOver(dir, 7, 'b1', () => true);
    expect(stale).toEqual([7]);
    expect(readlinkSync(lock.path)).toBe('7 b1');
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  // A run stopping must not take away the lock of another that took the directory over meanwhile (its own was
  // removed by hand, or taken over as stale while it hung): the other run would then have a second beside it.
  it("is removed at release only while it is still this run's", () => {
    const dir = join(t.dir, 'release');
    const first = acquireInstanceLock(dir, { pid: 4401, bootId: 'b1', isRunning: () => true });
    const second = acquireInstanceLock(dir, { pid: 4402, bootId: 'b1', isRunning: (pid) => pid !== 4401 });
    first.release();
    expect(readlinkSync(join(dir, LOCK_FILE))).toBe('4402 b1');
    expect(() => acquireInstanceLock(dir, { pid: 4403, bootId: 'b1', isRunning: () => true })).toThrow(
      /already running on .* \(pid 4402,/,
    );
    second.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('tells a running f2b-campaign from a gone pid and from another program', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'f2b-campaign'], { stdio: 'ignore' });
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(isRunningCampaign(child.pid!)).toBe(true);
      expect(isRunningCampaign(other.pid!)).toBe(false);
      const dir = join(t.dir, 'real');
      acquireInstanceLock(dir, { pid: child.pid! });
      expect(() => acquireInstanceLock(dir)).toThrow(`(pid ${child.pid}`);
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
      expect(isRunningCampaign(child.pid!)).toBe(false);
      acquireInstanceLock(dir).release();
    } finally {
      child.kill();
      other.kill();
    }
  });
});
