import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireInstanceLock, isRunningCampaign, LOCK_FILE } from '../../src/service/instance-lock.js';
import { tempDir } from './helpers.js';

const t = tempDir('lock');
afterAll(t.cleanup);

describe('instance lock', () => {
  it('refuses a second run on the same state_dir, naming the pid of the first, until the first releases', () => {
    const dir = join(t.dir, 'two');
    const first = acquireInstanceLock(dir, { pid: 4101, bootId: 'b1', isRunning: () => true });
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('4101 b1\n');
    expect(() => acquireInstanceLock(dir, { pid: 4102, bootId: 'b1', isRunning: () => true })).toThrow(
      /already running on .* \(pid 4101, lock .*run\.lock\)/,
    );
    first.release();
    const second = acquireInstanceLock(dir, { pid: 4102, bootId: 'b1', isRunning: () => true });
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('4102 b1\n');
    second.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  // Found in review: on a full disk every start failed with `ENOSPC: no space left on device, write` alone, and left
  // an empty run.lock.PID behind, one per try (systemd tries every 5 s).
  it('on a full disk, fails naming the lock and the cause, and leaves no file behind', () => {
    const dir = join(t.dir, 'full');
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'f2b-test-full', dir]);
    try {
      writeFileSync(join(dir, 'filler'), Buffer.alloc(16 * 1024));
      expect(() => acquireInstanceLock(dir, { pid: 4301, bootId: 'b1' })).toThrow(
        `cannot take ${join(dir, LOCK_FILE)}: writing ${join(dir, LOCK_FILE)}.4301 failed (ENOSPC: no space left on ` +
          "device, write): the state directory's file system is full",
      );
      expect(readdirSync(dir)).toEqual(['filler']);
    } finally {
      execFileSync('umount', [dir]);
    }
  });

  it('takes over a lock whose process is gone, saying so', () => {
    const dir = join(t.dir, 'stale');
    acquireInstanceLock(dir, { pid: 4201, bootId: 'b1', isRunning: () => true }); // never released: a crash
    const stale: number[] = [];
    const lock = acquireInstanceLock(dir, {
      pid: 4202,
      bootId: 'b1',
      isRunning: () => false,
      onStale: (pid) => stale.push(pid),
    });
    expect(stale).toEqual([4201]);
    expect(readFileSync(lock.path, 'utf8')).toBe('4202 b1\n');
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it("takes over a lock from an earlier boot even if its pid now runs (a power loss: that pid may be another program's)", () => {
    const dir = join(t.dir, 'boot');
    acquireInstanceLock(dir, { pid: 4301, bootId: 'before', isRunning: () => true });
    const stale: number[] = [];
    const lock = acquireInstanceLock(dir, {
      pid: 4302,
      bootId: 'after',
      isRunning: () => true,
      onStale: (pid) => stale.push(pid),
    });
    expect(stale).toEqual([4301]);
    expect(readFileSync(lock.path, 'utf8')).toBe('4302 after\n');
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
