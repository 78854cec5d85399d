import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorrelationCore } from '../../src/core/correlation-core.js';
import { StateSaver } from '../../src/service/state-saver.js';
import { emptyState, memoryLogger, tempDir } from './helpers.js';

/**
 * A state save on a real ext4 (a 4 MB image, 5% reserved for root) whose unreserved blocks are all taken: the service
 * may run as root, and what only root may still take is the reserve that keeps rsyslog and fail2ban (both root)
 * writing on a full /var. The save counts the blocks an unprivileged writer may take (statfs bavail), never the
 * reserve (bfree).
 */
const t = tempDir('save-reserve');
const image = join(t.dir, 'ext4.img');
const disk = join(t.dir, 'disk');
const stateDir = join(disk, 'state');

beforeAll(() => {
  execFileSync('truncate', ['-s', '4M', image]);
  execFileSync('mkfs.ext4', ['-q', '-F', '-m', '5', image]);
  mkdirSync(disk);
  execFileSync('mount', ['-o', 'loop', image, disk]);
  mkdirSync(stateDir);
});

afterAll(() => {
  execFileSync('umount', [disk]);
  t.cleanup();
});

const state = emptyState();

/** A core whose snapshot is 64 kB. */
const core = {
  snapshot: () => ({}),
  snapshotJson: () => [`"${'x'.repeat(64 * 1024)}"`],
} as unknown as CorrelationCore;

describe("a state save on a file system with root's reserve", () => {
  it('takes none of the reserve: with only the reserve left, the save is not attempted', () => {
    // Root (this test) fills the blocks everyone may take, to 8 kB: the reserve, ~280 kB, is what is left.
    const before = statfsSync(disk);
    writeFileSync(join(disk, 'filler'), Buffer.alloc(before.bavail * before.bsize - 8 * 1024));
    // Written back first: ext4 counts a delayed allocation's blocks high until then, and gives some back after.
    execFileSync('sync', ['-f', disk]);
    const full = statfsSync(disk);
    expect(full.bfree * full.bsize).toBeGreaterThan(100 * 1024); // 64 kB and the 28 kB kept free would fit there

    const { log, lines } = memoryLogger('info');
    new StateSaver(stateDir, 1000, 1e12, log).save(state, core, 1);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
    expect(lines().filter((l) => l['event'] === 'state-save-failed')).toEqual([
      expect.objectContaining({ level: 50, reason: 'no-room' }),
    ]);
    // The reserve is whole: none of the 64 kB state is in it (a block or two of the journal's may come and go).
    expect(statfsSync(disk).bfree).toBeGreaterThanOrEqual(full.bfree - 4);
  });
});
