import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { VerdictDedupe } from '../../src/service/verdict-dedupe.js';
import { VerdictWriter } from '../../src/service/verdict-writer.js';
import { formatVerdictLine } from '../../src/verdict/verdict-line.js';
import { memoryLogger } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'f2b-dedupe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The verdicts written after the last save, found again after a crash, include those in a log rotated since: no
// test read the rotated file (found by hand mutation testing).
/** A new, empty verdict log in `dir` named `name`, and the mark a run that wrote nothing to it saved. */
function emptyLog(name: string) {
  const path = join(dir, name);
  const writer = new VerdictWriter({ path, log: memoryLogger().log });
  const mark = writer.mark()!;
  writer.close();
  return { path, mark };
}

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

  // Found in session 27: the digest of an empty log's mark is any file's, so with the marked file gone (moved away
  // while the service was stopped: a dateext rotation) `.1`, an older rotation, was read whole as verdicts written
  // after the mark: a verdict the core made again with the same key would have been dropped.
  it('with the log empty at the mark and moved away since, reads no older rotation as written after the mark', () => {
    const path = join(dir, 'empty-moved.log');
    const log = memoryLogger().log;
    const older = new VerdictWriter({ path, log });
    older.write(banVerdict(0, '203.0.113.9', 'c1', 'r'));
    older.close();
    renameSync(path, `${path}.1`);
    const writer = new VerdictWriter({ path, log });
    const mark = writer.mark()!;
    expect(mark.size).toBe(0);
    writer.close();
    renameSync(path, `${path}-20261124`);
    new VerdictWriter({ path, log }).close();
    const dedupe = VerdictDedupe.fromLog(path, mark);
    expect(dedupe.seen(banVerdict(1, '203.0.113.9', 'c1', 'r'))).toBe(false);
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

  // A full disk tore a line and the service died before a save owed it; the restart ended the part with a newline
  // and wrote the verdict whole after it, then died too before a save (the disk still full). The next restart reads
  // the log past the first run's mark, part and all. Taken as a verdict, a part cut inside the campaign id named
  // another campaign's verdict (`c-...-1` of `c-...-12`), and one cut later counted the verdict twice: either
  // suppressed a real verdict the core makes again.
  it.each([
    ['inside the campaign id', 'campaign=c-202611240600-1'.length],
    ['after reason=', 'campaign=c-202611240600-12 reason=dict'.length],
  ])('after two crashes, takes a torn part the restart ended for no verdict (cut %s)', (_title, into) => {
    const path = join(dir, `torn-${into}.log`);
    const log = memoryLogger().log;
    const first = new VerdictWriter({ path, log });
    first.write(banVerdict(0, '203.0.113.1', 'c-202611240600-1', 'dictionary'));
    const mark = first.mark()!;
    first.close();
    const torn = banVerdict(0, '203.0.113.7', 'c-202611240600-12', 'dictionary+surge', [['match', 'join']]);
    const line = formatVerdictLine(torn, 4242);
    appendFileSync(path, line.slice(0, line.indexOf('campaign=') + into));
    // The restart: no owed line finishes the part; the core makes the verdict again, written whole after it.
    const second = new VerdictWriter({ path, log });
    second.write(torn);
    second.close();
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(4);

    const dedupe = VerdictDedupe.fromLog(path, mark);
    // A verdict of campaign -1 for that address, made after the restart, is no repeat.
    expect(dedupe.seen(banVerdict(1, '203.0.113.7', 'c-202611240600-1', 'dictionary'))).toBe(false);
    // The verdict whole is one repeat, and only one: the address banned again later in the campaign is written.
    expect(dedupe.seen(torn)).toBe(true);
    expect(dedupe.seen(torn)).toBe(false);
  });

  // A full disk tore the log's last line and the service died before a save owed it: the lines read again make that
  // verdict again, and it is to be written whole. The part (its address whole, a field past the two that name it)
  // is no verdict written.
  it("takes a file's unfinished last line, torn by a full disk, for no verdict written", () => {
    const { path, mark } = emptyLog('torn-last.log');
    const whole = banVerdict(0, '203.0.113.8', 'c-202611240600-1', 'dictionary');
    const torn = banVerdict(0, '203.0.113.9', 'c-202611240600-1', 'dictionary+surge', [['match', 'join']]);
    const line = formatVerdictLine(torn, 4242);
    appendFileSync(path, `${formatVerdictLine(whole, 4242)}\n${line.slice(0, line.indexOf(' reason=') + 12)}`);
    const dedupe = VerdictDedupe.fromLog(path, mark);
    expect(dedupe.seen(torn)).toBe(false);
    expect(dedupe.seen(whole)).toBe(true);
  });

  // A file system that keeps whole seconds (or a coarse kernel clock) stamps logrotate's copy up to a second before
  // the line it holds: a copy of a log empty at the save is told by that line, stamped after the save.
  it('reads a copytruncate copy of a log empty at the save whose mtime is up to a second before the save', () => {
    const { path, mark } = emptyLog('coarse-mtime.log');
    const savedAt = Date.now();
    const ban = banVerdict(savedAt + 100, '203.0.113.10', 'c-202611240600-1', 'dictionary');
    appendFileSync(path, `${formatVerdictLine(ban, 4242)}\n`);
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    utimesSync(`${path}.1`, (savedAt - 500) / 1000, (savedAt - 500) / 1000);
    const dedupe = VerdictDedupe.fromLog(path, mark, savedAt);
    expect(dedupe.seen(ban)).toBe(true);
  });

  // An earlier version ended such a part with a newline alone: cut inside the campaign id, it still names no verdict.
  it('takes a part an earlier restart ended with a newline alone, cut inside the campaign id, for no verdict', () => {
    const { path, mark } = emptyLog('torn-unmarked.log');
    const torn = banVerdict(0, '203.0.113.7', 'c-202611240600-12', 'dictionary+surge', [['match', 'join']]);
    const line = formatVerdictLine(torn, 4242);
    appendFileSync(path, `${line.slice(0, line.indexOf(' reason=') - 1)}\n${line}\n`);
    const dedupe = VerdictDedupe.fromLog(path, mark);
    expect(dedupe.seen(banVerdict(1, '203.0.113.7', 'c-202611240600-1', 'dictionary'))).toBe(false);
    expect(dedupe.seen(torn)).toBe(true);
  });
});
