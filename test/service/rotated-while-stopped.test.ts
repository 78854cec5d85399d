import { appendFileSync, existsSync, renameSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { VerdictDedupe } from '../../src/service/verdict-dedupe.js';
import { VerdictWriter } from '../../src/service/verdict-writer.js';
import { TORN_END } from '../../src/verdict/verdict-line.js';
import { sleep } from './helpers.js';
import { fileLines, logrotate, reopened, rotate, runAndStop, setup } from './stopped-rotation.js';

// Found in session 19: the copies written after a rotation were kept in memory only, so a rotation while the service
// was stopped right after writing (a restart around logrotate, a crash) lost the BAN lines fail2ban had not read.
describe('a verdict log rotated while the service was stopped', () => {
  it('writes into the new file again the BAN lines of the 10 s before the rename, once, as repeat=rotation', () => {
    const { path, log, lines } = setup();
    const { mark, lines: old } = runAndStop(path, 12_000, 500);
    rotate(path);
    const writer = new VerdictWriter({ path, log, lastRun: mark });
    writer.write(banVerdict(0, '203.0.113.4', 'c1', 'r'));
    writer.close();
    // 203.0.113.1 was written 12 s before the rename: fail2ban had read it. The CAMPAIGN line is no ban.
    expect(fileLines(path)).toEqual([
      `${old[2]} repeat=rotation`,
      `${old[3]} repeat=rotation`,
      expect.stringContaining('ip=203.0.113.4'),
    ]);
    expect(fileLines(`${path}.1`)).toEqual(old);
    expect(writer.written).toBe(1);
    expect(reopened(lines)).toMatchObject([{ repeated: 2, alreadyThere: 0, path }]);
    // A crash's dedupe reads the copies as no verdict of their own.
    const dedupe = VerdictDedupe.fromLog(path, mark);
    expect(dedupe.seen(banVerdict(1, '203.0.113.2', 'c1', 'r'))).toBe(false);
    expect(dedupe.seen(banVerdict(1, '203.0.113.4', 'c1', 'r'))).toBe(true);
  });

  // A part a full disk tore, ended by the restart with TORN_END, is no verdict: its whole line follows it.
  it('writes no copy of a torn part the restart ended, only of whole BAN lines', () => {
    const { path, log, lines } = setup();
    const { lines: old } = runAndStop(path, 12_000, 500);
    const part = `${new Date(Date.now() - 400).toISOString()} f2b-campaign[1]: BAN ip=203.0.113.5 campaign=c1${TORN_END}`;
    appendFileSync(path, `${part}\n`);
    const last = new VerdictWriter({ path, log });
    const mark = last.mark()!;
    last.close();
    rotate(path);
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual([`${old[2]} repeat=rotation`, `${old[3]} repeat=rotation`]);
    expect(reopened(lines)).toMatchObject([{ repeated: 2 }]);
  });

  it('does not write a copy again that the new file holds (a crash before the first save of the restarted run)', () => {
    const { path, log, lines } = setup();
    const { mark } = runAndStop(path, 12_000, 500);
    rotate(path);
    new VerdictWriter({ path, log, lastRun: mark }).close();
    const once = fileLines(path);
    expect(once).toHaveLength(2);
    // Started again from the same state: the path is still not the marked file.
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual(once);
    expect(reopened(lines)).toMatchObject([
      { repeated: 2, alreadyThere: 0 },
      { repeated: 0, alreadyThere: 2 },
    ]);
  });

  // Found in review: a device number is not kept across a reboot (LVM, btrfs, ZFS); the renamed file was then not
  // recognised at `.1`, and its last BAN lines, which fail2ban may not have read, were not written again.
  it('finds the renamed file by its inode number after a reboot that renumbered the device', () => {
    const { path, log, lines } = setup();
    const { mark, lines: old } = runAndStop(path, 12_000, 500);
    rotate(path);
    new VerdictWriter({ path, log, lastRun: { ...mark, dev: mark.dev + 1 } }).close();
    expect(fileLines(path)).toEqual([`${old[2]} repeat=rotation`, `${old[3]} repeat=rotation`]);
    expect(reopened(lines)).toMatchObject([{ repeated: 2 }]);
  });

  it('repeats nothing when the path still names the file the last run wrote (no rotation while stopped)', () => {
    const { path, log, lines } = setup();
    const { mark, lines: old } = runAndStop(path, 500, 500);
    const writer = new VerdictWriter({ path, log, lastRun: mark });
    writer.write(banVerdict(0, '203.0.113.4', 'c1', 'r'));
    writer.close();
    expect(fileLines(path)).toEqual([...old, expect.stringContaining('ip=203.0.113.4')]);
    expect(fileLines(path).filter((l) => l.includes('repeat='))).toEqual([]);
    expect(reopened(lines)).toEqual([]);
  });

  it('repeats nothing when logrotate renamed the file long after the last line (fail2ban had read it)', () => {
    const { path, log, lines } = setup();
    const { mark } = runAndStop(path, 60_000, 30_000);
    rotate(path);
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual([]);
    expect(reopened(lines)).toMatchObject([{ repeated: 0, alreadyThere: 0 }]);
  });

  // fail2ban takes a line older than 60 s as just written: a copy of a ban that was over would ban the address again.
  it("repeats no line older than the campaign jail's bantime: the ban it asked for would be over", () => {
    const DAY = 86_400_000;
    for (const [later, repeated] of [
      [2 * DAY, 0],
      [DAY / 24, 2],
    ] as const) {
      const { path, log, lines } = setup();
      const { mark } = runAndStop(path, 12_000, 500);
      rotate(path);
      new VerdictWriter({ path, log, lastRun: mark, banLasts: DAY, clock: () => Date.now() + later }).close();
      expect(fileLines(path)).toHaveLength(repeated);
      expect(reopened(lines)).toMatchObject([{ repeated, tooOld: 2 - repeated }]);
    }
  });

  // A start on a full disk says the lines the last run owed once, with their count (full-disk-owed.test.ts); the
  // copies of a rotation while stopped are said each on their own (full-disk-copies.test.ts), not counted with them.
  it('on a full disk, counts as fromLastRun only the lines the last run owed, not the copies held with them', () => {
    const { path, log, lines } = setup();
    const { mark } = runAndStop(path, 1000, 500);
    renameSync(path, `${path}.1`);
    symlinkSync('/dev/full', path); // the new file's disk is full
    const owed = fileLines(`${path}.1`)[3]!.replace('203.0.113.3', '203.0.113.9');
    const writer = new VerdictWriter({ path, log, lastRun: mark, owed: [owed] });
    expect(writer.blocked).toBe(true);
    expect(writer.owed()).toHaveLength(4); // 3 copies, then the owed line
    const queued = lines().filter((l) => l['event'] === 'verdict-queued');
    expect(queued.filter((l) => l['repeat'] === 'rotation')).toHaveLength(3);
    expect(queued.filter((l) => l['repeat'] === undefined)).toEqual([
      expect.objectContaining({ level: 40, owed: 4, fromLastRun: 1 }),
    ]);
    writer.close();
  });

  it('repeats into the file it creates when logrotate moved the log without `create`', async () => {
    const { path, log } = setup();
    const { mark, lines: old } = runAndStop(path, 500, 500);
    renameSync(path, `${path}.1`);
    await sleep(10);
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual(old.filter((l) => l.includes(' BAN ')).map((l) => `${l} repeat=rotation`));
  });

  it('repeats nothing from a first start, nor when the file the last run wrote is among no rotation', () => {
    const { path, log, lines } = setup();
    const { mark } = runAndStop(path, 500, 500);
    rotate(path);
    renameSync(`${path}.1`, `${path}.elsewhere`);
    new VerdictWriter({ path, log, lastRun: mark }).close();
    new VerdictWriter({ path, log, lastRun: null }).close();
    expect(fileLines(path)).toEqual([]);
    expect(reopened(lines)).toEqual([]);
  });
});

/** The real logrotate with `copytruncate` (an admin's stanza in place of the package's `create`). */
const copyTruncate = (path: string, more = '') => logrotate(path, `  copytruncate\n${more}`);

// Found in review: a copytruncate keeps the inode, so a start took the emptied file for the one the last run wrote
// and repeated nothing; fail2ban starts the emptied file at byte 0 and never reads the copy.
describe('a verdict log truncated in place (copytruncate) while the service was stopped', () => {
  const truncated = (lines: () => Record<string, unknown>[]) =>
    lines().filter((l) => l['event'] === 'verdict-log-reopened' && l['reason'] === 'truncated-while-stopped');

  it('writes into it again the BAN lines of the 10 s before the truncation, once, as repeat=rotation', () => {
    const { path, log, lines } = setup();
    const { mark, lines: old } = runAndStop(path, 12_000, 500);
    const ino = statSync(path).ino;
    copyTruncate(path);
    expect(statSync(path).ino).toBe(ino);
    const writer = new VerdictWriter({ path, log, lastRun: mark });
    writer.write(banVerdict(0, '203.0.113.4', 'c1', 'r'));
    writer.close();
    expect(fileLines(path)).toEqual([
      `${old[2]} repeat=rotation`,
      `${old[3]} repeat=rotation`,
      expect.stringContaining('ip=203.0.113.4'),
    ]);
    expect(fileLines(`${path}.1`)).toEqual(old);
    expect(truncated(lines)).toMatchObject([{ repeated: 2, alreadyThere: 0, path }]);
    // Started again from the same state: the copies are there already.
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toHaveLength(3);
    expect(truncated(lines)).toMatchObject([{ repeated: 2 }, { repeated: 0, alreadyThere: 2 }]);
  });

  // Found in session 27: `.1` had to be the plain copy, so these repeated nothing (and a crash wrote twice).
  it.each([
    ['compressed at once (compress without delaycompress)', '  compress\n', 1, 'verdicts.log.1.gz'],
    ['truncated twice', '', 2, 'verdicts.log.2'],
    ['compressed, truncated twice', '  compress\n', 2, 'verdicts.log.2.gz'],
  ])('takes the lines from the copy %s', (_title, more, times, copy) => {
    const { path, log, lines } = setup();
    const { mark, lines: old } = runAndStop(path, 12_000, 500);
    for (let i = 0; i < times; i++) copyTruncate(path, more);
    expect(existsSync(join(dirname(path), copy))).toBe(true);
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual([`${old[2]} repeat=rotation`, `${old[3]} repeat=rotation`]);
    expect(truncated(lines)).toMatchObject([{ repeated: 2, alreadyThere: 0 }]);
  });

  // A plain copy's mtime is when logrotate made it, just before the truncation; `.2` keeps it when renamed.
  it('truncated twice, takes the lines of the 10 s before the first truncation, not the second', () => {
    const { path, log, lines } = setup();
    const { mark } = runAndStop(path, 12_000, 500);
    copyTruncate(path);
    const later = new Date(Date.now() + 30_000);
    utimesSync(`${path}.1`, later, later);
    copyTruncate(path);
    expect(Math.round(statSync(`${path}.2`).mtimeMs)).toBe(later.getTime());
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual([]);
    expect(truncated(lines)).toMatchObject([{ repeated: 0 }]);
  });

  // A compressed copy keeps the file's mtime: `.1.gz`'s is the file's when the second copytruncate copied it, which
  // the first had set when it emptied the file.
  it('compressed and truncated twice, takes the lines of the 10 s before the first truncation', () => {
    const { path, log, lines } = setup();
    const { mark } = runAndStop(path, 12_000, 500);
    copyTruncate(path, '  compress\n');
    const later = new Date(Date.now() + 30_000);
    utimesSync(path, later, later);
    copyTruncate(path, '  compress\n');
    expect(Math.round(statSync(`${path}.1.gz`).mtimeMs)).toBe(later.getTime());
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual([]);
    expect(truncated(lines)).toMatchObject([{ repeated: 0 }]);
  });

  it('with the log empty at the last save, takes the lines the last run wrote after it from the copy', () => {
    const { path, log, lines } = setup();
    writeFileSync(path, '');
    const mark = new VerdictWriter({ path, log }).mark()!;
    // Saved before the run's lines (written 500 ms before now).
    const savedAt = Date.now() - 1000;
    const { lines: old } = runAndStop(path, 500, 500);
    copyTruncate(path);
    new VerdictWriter({ path, log, lastRun: mark, lastSavedAt: savedAt }).close();
    expect(fileLines(path)).toEqual(old.filter((l) => l.includes(' BAN ')).map((l) => `${l} repeat=rotation`));
    expect(truncated(lines)).toMatchObject([{ repeated: 3 }]);
    const dedupe = VerdictDedupe.fromLog(path, mark, savedAt);
    expect(dedupe.seen(banVerdict(1, '203.0.113.2', 'c1', 'r'))).toBe(true);
  });

  // The copy of an earlier copytruncate the last run noticed is no copy of what it saved: its lines are older.
  it('with the log empty at the last save and not truncated since, takes nothing from an older copy', () => {
    const { path, log, lines } = setup();
    runAndStop(path, 500, 500);
    copyTruncate(path);
    const mark = new VerdictWriter({ path, log }).mark()!;
    expect(mark.size).toBe(0);
    const savedAt = Date.now() + 1;
    new VerdictWriter({ path, log, lastRun: mark, lastSavedAt: savedAt }).close();
    expect(fileLines(path)).toEqual([]);
    expect(truncated(lines)).toEqual([]);
    const dedupe = VerdictDedupe.fromLog(path, mark, savedAt);
    expect(dedupe.seen(banVerdict(1, '203.0.113.2', 'c1', 'r'))).toBe(false);
  });

  it('repeats nothing when the truncation came long after the last line (fail2ban had read it)', () => {
    const { path, log, lines } = setup();
    const { mark } = runAndStop(path, 30_000, 30_000);
    copyTruncate(path);
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual([]);
    expect(truncated(lines)).toMatchObject([{ repeated: 0 }]);
  });
});
