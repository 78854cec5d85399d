import { existsSync, renameSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { VerdictDedupe } from '../../src/service/verdict-dedupe.js';
import { VerdictWriter } from '../../src/service/verdict-writer.js';
import { memoryLogger } from './helpers.js';
import { fileLines, logrotate, reopened, rotate, runAndStop, setup } from './stopped-rotation.js';

describe('a verdict log renamed more than once, or compressed, while the service was stopped', () => {
  // Found in session 28: renamed twice while stopped (logrotate's default `ifempty` rotates the empty new file too),
  // the file was taken as a rotation old, and the BAN lines fail2ban had not read before the first rename were lost.
  it('renamed twice, takes the lines of the 10 s before the first rename, and the dedupe reads them', () => {
    const { path, log, lines } = setup();
    const { log: runLog } = memoryLogger();
    const run = new VerdictWriter({ path, log: runLog, clock: () => Date.now() - 500 });
    run.write(banVerdict(0, '203.0.113.1', 'c1', 'r'));
    const mark = run.mark()!;
    run.write(banVerdict(0, '203.0.113.2', 'c1', 'r'));
    run.close();
    const old = fileLines(path);
    rotate(path);
    renameSync(`${path}.1`, `${path}.2`);
    rotate(path);
    expect(statSync(`${path}.2`).ino).toBe(mark.ino);
    // A crash after the save: the verdict written after it is in `.2`.
    const dedupe = VerdictDedupe.fromLog(path, mark);
    expect(dedupe.seen(banVerdict(1, '203.0.113.2', 'c1', 'r'))).toBe(true);
    expect(dedupe.seen(banVerdict(1, '203.0.113.1', 'c1', 'r'))).toBe(false);
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual(old.map((l) => `${l} repeat=rotation`));
    expect(reopened(lines)).toMatchObject([{ repeated: 2, alreadyThere: 0 }]);
  });

  // The file logrotate created in its place at the first rename, `.1` now, tells when that was.
  it('renamed twice, the first rename long after the last line, repeats nothing (fail2ban had read it)', () => {
    const { path, log, lines } = setup();
    const { mark } = runAndStop(path, 500, 500);
    rotate(path);
    const later = new Date(Date.now() + 30_000);
    utimesSync(path, later, later);
    renameSync(`${path}.1`, `${path}.2`);
    rotate(path);
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual([]);
    expect(reopened(lines)).toMatchObject([{ repeated: 0 }]);
  });

  it.each([
    ['compressed at once (compress without delaycompress)', '  compress\n', 1, 'verdicts.log.1.gz'],
    ['twice, compressed at once', '  compress\n', 2, 'verdicts.log.2.gz'],
    ['twice, plain', '', 2, 'verdicts.log.2'],
  ])('renamed by the real logrotate (create), %s, takes the lines from it', (_title, more, times, moved) => {
    const { path, log, lines } = setup();
    const { mark, lines: old } = runAndStop(path, 12_000, 500);
    for (let i = 0; i < times; i++) logrotate(path, `  create\n${more}`);
    expect(existsSync(join(dirname(path), moved))).toBe(true);
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual([`${old[2]} repeat=rotation`, `${old[3]} repeat=rotation`]);
    expect(reopened(lines)).toMatchObject([{ repeated: 2, alreadyThere: 0 }]);
  });
});
