import { copyFileSync, mkdtempSync, renameSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { VerdictDedupe } from '../../src/service/verdict-dedupe.js';
import { VerdictWriter } from '../../src/service/verdict-writer.js';
import { memoryLogger } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'f2b-dedupe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The verdicts written after the last save, found again after a crash, include those in a log rotated since: no
// test read the rotated file (found by hand mutation testing).
describe('verdict dedupe after a crash', () => {
  it('after a crash, drops a verdict written to the log that was rotated to .1 since the saved mark', () => {
    const path = join(dir, 'verdicts.log');
    const log = memoryLogger().log;
    const writer = new VerdictWriter({ path, log });
    writer.write(banVerdict(0, '203.0.113.1', 'c1', 'r'));
    const mark = writer.mark();
    writer.write(banVerdict(0, '203.0.113.2', 'c1', 'r'));
    writer.close();
    renameSync(path, `${path}.1`);
    const w2 = new VerdictWriter({ path, log });
    w2.close();
    const dedupe = VerdictDedupe.fromLog(path, mark);
    expect(dedupe.seen(banVerdict(1, '203.0.113.2', 'c1', 'r'))).toBe(true);
  });

  // Found in review: a device number is not kept across a reboot (LVM, btrfs, ZFS); the marked file was then taken
  // for another, and the whole log read as written after the mark (or, rotated, its part after the mark not at all).
  for (const rotated of [false, true]) {
    it(`after a reboot that renumbered the device, reads past the mark only (${rotated ? 'rotated to .1' : 'not rotated'})`, () => {
      const path = join(dir, `renumbered-${rotated}.log`);
      const log = memoryLogger().log;
      const writer = new VerdictWriter({ path, log });
      writer.write(banVerdict(0, '203.0.113.1', 'c1', 'r'));
      const mark = writer.mark()!;
      writer.write(banVerdict(0, '203.0.113.2', 'c1', 'r'));
      writer.close();
      if (rotated) {
        renameSync(path, `${path}.1`);
        new VerdictWriter({ path, log }).close();
      }
      const dedupe = VerdictDedupe.fromLog(path, { ...mark, dev: mark.dev + 1 });
      expect(dedupe.seen(banVerdict(1, '203.0.113.1', 'c1', 'r'))).toBe(false);
      expect(dedupe.seen(banVerdict(1, '203.0.113.2', 'c1', 'r'))).toBe(true);
    });
  }

  // Found in review: a copytruncate keeps the inode, so the verdicts written between the save and the copy, now in
  // the copy at .1, were not read, and written a second time after a kill -9; with the emptied file written past the
  // marked size again, its own new verdicts were read from the wrong byte.
  it('after a copytruncate since the mark, reads the copy past the mark and the emptied file whole', () => {
    const path = join(dir, 'copied.log');
    const log = memoryLogger().log;
    const writer = new VerdictWriter({ path, log });
    writer.write(banVerdict(0, '203.0.113.1', 'c1', 'r'));
    const mark = writer.mark()!;
    writer.write(banVerdict(0, '203.0.113.2', 'c1', 'r'));
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    writer.check(); // writes the recent BAN lines again, as copies: no verdicts
    for (const host of [3, 4, 5, 6]) writer.write(banVerdict(0, `203.0.113.${host}`, 'c1', 'r'));
    writer.close();
    const dedupe = VerdictDedupe.fromLog(path, mark);
    expect(dedupe.seen(banVerdict(1, '203.0.113.1', 'c1', 'r'))).toBe(false);
    for (const host of [2, 3, 4, 5, 6]) expect(dedupe.seen(banVerdict(1, `203.0.113.${host}`, 'c1', 'r'))).toBe(true);
  });

  // As an attacker would need it: a verdict taken for written is never written. A log emptied by hand beside an
  // older rotation must not lend that rotation's lines to the dedupe, nor must a state saved before the mark knew
  // its digest.
  it.each([
    ['one that does not hold the marked text', true],
    ['the mark has no digest: a state saved by an older version', false],
  ])('after a truncation, reads no .1 (%s)', (_title, withDigest) => {
    const path = join(dir, `emptied-${withDigest}.log`);
    const log = memoryLogger().log;
    const writer = new VerdictWriter({ path, log });
    writer.write(banVerdict(0, '203.0.113.1', 'c1', 'r'));
    writer.write(banVerdict(0, '203.0.113.2', 'c1', 'r'));
    writer.close();
    // The older rotation at .1 holds a ban the service writes again later: past any mark of the log now.
    renameSync(path, `${path}.1`);
    const w2 = new VerdictWriter({ path, log });
    w2.write(banVerdict(0, '203.0.113.3', 'c1', 'r'));
    const { tail, ...bare } = w2.mark()!;
    const mark = withDigest ? { ...bare, tail: tail! } : bare;
    w2.close();
    if (!withDigest) copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    const dedupe = VerdictDedupe.fromLog(path, mark);
    expect(dedupe.size).toBe(0);
  });
});
