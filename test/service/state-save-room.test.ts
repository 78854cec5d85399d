import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CorrelationCore } from '../../src/core/correlation-core.js';
import { keepFree, saveRoom } from '../../src/service/save-room.js';
import { StateSaver } from '../../src/service/state-saver.js';
import { emptyState, memoryLogger, tempDir } from './helpers.js';

/**
 * State saves on a real, nearly full 1 MB tmpfs, beside another writer (rsyslog's auth.log, fail2ban, our verdict
 * log share /var with /var/lib/f2b-campaign): a save must never take the file system's last blocks, not even for the
 * instant between ENOSPC and deleting its temporary file.
 */
const t = tempDir('save-room');
const disk = join(t.dir, 'disk');
const stateDir = join(disk, 'state');
const other = join(disk, 'auth.log');
const KEEP = keepFree(1024 * 1024); // 16 kB on this disk

beforeAll(() => {
  mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'f2b-test-save-room', disk]);
});

afterAll(() => {
  execFileSync('umount', [disk]);
  t.cleanup();
});

beforeEach(() => {
  for (const name of readdirSync(disk)) rmSync(join(disk, name), { recursive: true });
  mkdirSync(stateDir);
});

const freeBytes = () => {
  const fs = statfsSync(disk);
  return fs.bavail * fs.bsize;
};

/** Leaves `bytes` free (to a block) on the disk. */
function leaveFree(bytes: number): void {
  writeFileSync(join(disk, 'filler'), Buffer.alloc(freeBytes() - bytes));
}

/**
 * A core whose snapshot is `pieces` pieces of 8 kB; as each piece is taken (the last written, the next not yet) the
 * free space is noted, and as every fifth is, another writer appends a block of auth.log lines (a block: lines
 * within one already taken need no free space).
 */
function racedCore(pieces: number, seen: { minFree: number; lost: number }): CorrelationCore {
  return {
    snapshot: () => ({}),
    *snapshotJson() {
      yield '[';
      for (let i = 0; i < pieces; i++) {
        seen.minFree = Math.min(seen.minFree, freeBytes());
        if (i % 5 === 0)
          try {
            appendFileSync(
              other,
              `Nov 24 04:00:00 host sshd[1]: Failed password for root from 192.0.2.${i}\n`.repeat(64),
            );
          } catch {
            seen.lost++;
          }
        yield `${i === 0 ? '' : ','}"${'x'.repeat(8192)}"`;
      }
      yield ']';
    },
  } as unknown as CorrelationCore;
}

const state = emptyState();

function saver() {
  const { log, lines } = memoryLogger('info');
  return { saver: new StateSaver(stateDir, 1000, 1e12, log), lines };
}

const saved = () => readFileSync(join(stateDir, 'state.json'), 'utf8').length;

describe('state saves on a nearly full disk', () => {
  it('does not attempt a save that would not fit, and the other writer loses nothing', () => {
    const { saver: s, lines } = saver();
    const seen = { minFree: Number.POSITIVE_INFINITY, lost: 0 };
    s.save(state, racedCore(40, seen), 1); // ~320 kB, with room
    const first = saved();
    expect(first).toBeGreaterThan(320_000);

    leaveFree(200 * 1024);
    seen.minFree = Number.POSITIVE_INFINITY;
    s.save(state, racedCore(40, seen), 2);
    expect(seen.lost).toBe(0); // before: ENOSPC for the auth.log lines written while the save held the last blocks
    expect(seen.minFree).toBeGreaterThanOrEqual(KEEP - 8192); // the other writer's own lines took the rest
    expect(saved()).toBe(first); // the last state stands
    expect(readdirSync(stateDir)).toEqual(['state.json']);
    const failed = lines().filter((l) => l['event'] === 'state-save-failed');
    expect(failed).toEqual([expect.objectContaining({ level: 50, reason: 'no-room', keepFree: KEEP })]);
    expect(failed[0]?.['needed']).toBeGreaterThan(320_000);
    expect(failed[0]?.['free']).toBeLessThan(210 * 1024);

    // Room again: saved at the next attempt, and said.
    rmSync(join(disk, 'filler'));
    s.save(state, racedCore(41, seen), 3);
    expect(saved()).toBeGreaterThan(first);
    expect(lines().filter((l) => l['event'] === 'state-save-recovered')).toEqual([
      expect.objectContaining({ failedSaves: 1 }),
    ]);
  });

  it('stops a save that grew past the free space before it takes the last blocks', () => {
    const { saver: s, lines } = saver();
    const seen = { minFree: Number.POSITIVE_INFINITY, lost: 0 };
    s.save(state, racedCore(1, seen), 1); // ~8 kB
    const first = saved();

    leaveFree(200 * 1024);
    seen.minFree = Number.POSITIVE_INFINITY;
    s.save(state, racedCore(40, seen), 2); // ~320 kB: the last size (8 kB) said it would fit
    expect(seen.lost).toBe(0);
    // What the save and the other writer left free, as each piece was taken: never under the margin, but for what
    // the other wrote since the last look (a block).
    expect(seen.minFree).toBeGreaterThanOrEqual(KEEP - 8192);
    expect(seen.minFree).toBeLessThan(KEEP + 16 * 1024); // it did write up to the margin
    expect(saved()).toBe(first);
    expect(readdirSync(stateDir)).toEqual(['state.json']);
    expect(lines().filter((l) => l['event'] === 'state-save-failed')).toEqual([
      expect.objectContaining({ reason: 'no-room', err: expect.stringContaining('no room for') }),
    ]);

    // The next attempt counts the state first, and writes none of it while it does not fit.
    const before = freeBytes();
    const othersBefore = statSync(other).size;
    s.save(state, racedCore(40, seen), 3);
    expect(before - freeBytes()).toBeLessThanOrEqual(statSync(other).size - othersBefore + 4096); // the other's lines
    expect(readdirSync(stateDir)).toEqual(['state.json']);
    expect(seen.lost).toBe(0);
    expect(
      lines()
        .filter((l) => l['event'] === 'state-save-failed')
        .at(-1),
    ).toEqual(expect.objectContaining({ reason: 'no-room', needed: expect.any(Number) }));
  });

  // At start the saver has not saved yet: the state the last run left tells what this one will need.
  it('at start, counts the state the last run left: a save that would not fit is not attempted', () => {
    const seen = { minFree: Number.POSITIVE_INFINITY, lost: 0 };
    saver().saver.save(state, racedCore(40, seen), 1); // the last run's ~320 kB
    const first = saved();
    leaveFree(200 * 1024);
    const before = freeBytes();
    const { saver: s, lines } = saver(); // the next run's
    seen.minFree = Number.POSITIVE_INFINITY;
    s.save(state, racedCore(40, seen), 1);
    // None of it written, not even up to the margin: only the other writer's lines took room meanwhile.
    expect(seen.minFree).toBeGreaterThan(before - 64 * 1024);
    expect(seen.lost).toBe(0);
    expect(saved()).toBe(first);
    expect(readdirSync(stateDir)).toEqual(['state.json']);
    const failed = lines().filter((l) => l['event'] === 'state-save-failed');
    expect(failed).toEqual([expect.objectContaining({ level: 50, reason: 'no-room', keepFree: KEEP })]);
    expect(failed[0]?.['needed']).toBeGreaterThan(320_000);
  });

  it('saves as before where the file system reports no size (a tmpfs mounted without one) or the directory is missing', () => {
    expect(saveRoom(disk)).toEqual({ free: freeBytes(), keep: KEEP });
    expect(saveRoom(join(t.dir, 'missing'))).toBeNull();
    const unsized = join(t.dir, 'unsized');
    mkdirSync(unsized);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=0', 'f2b-test-unsized', unsized]);
    try {
      expect(statfsSync(unsized).blocks).toBe(0);
      expect(saveRoom(unsized)).toBeNull();
      const { log, lines } = memoryLogger('info');
      new StateSaver(unsized, 1000, 1e12, log).save(state, racedCore(2, { minFree: 0, lost: 0 }), 1);
      expect(lines().map((l) => l['event'])).not.toContain('state-save-failed');
      expect(readFileSync(join(unsized, 'state.json'), 'utf8').length).toBeGreaterThan(16_000);
    } finally {
      execFileSync('umount', [unsized]);
    }
  });

  it('leaves 1% of the file system free, at least 16 kB and at most 16 MB', () => {
    expect(keepFree(256 * 1024)).toBe(16 * 1024);
    expect(keepFree(100 * 1024 * 1024)).toBe(1024 * 1024);
    expect(keepFree(20 * 1024 ** 3)).toBe(16 * 1024 * 1024);
  });
});
