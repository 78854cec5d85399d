import { appendFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FilePosition } from '../../src/sources/file-position.js';
import { RotatingFile } from '../../src/sources/rotating-file.js';
import { renameRotate } from '../helpers/logrotate.js';
import { tempDir } from '../service/helpers.js';

/**
 * Restarts of the follower (its position saved as JSON between two runs) in cases that each passed every other test
 * with a mutant of rotating-file.ts or rotation-siblings.ts (hand mutation testing, session 32): what is read again,
 * what is found, and what the service log is told (`lost` becomes ERROR source-lines-lost).
 */
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A followed `auth.log` in a temp dir holding `content`: `run(position)` starts a follower that reads all there is. */
function logDir(prefix: string, content: string) {
  const t = tempDir(prefix);
  cleanups.push(t.cleanup);
  const path = join(t.dir, 'auth.log');
  writeFileSync(path, content);
  const got: string[] = [];
  const notices: [string, Record<string, unknown>][] = [];
  const run = (position?: FilePosition) => {
    const file = new RotatingFile({
      path,
      startAt: 'start',
      ...(position ? { position } : {}),
      onLine: (line) => got.push(line),
      onNotice: (event, detail) => notices.push([event, detail]),
    });
    settle(file);
    return file;
  };
  return { path, got, notices, run };
}

function settle(file: RotatingFile): void {
  while (file.poll()) {
    // more to read at once
  }
}

/** Stops `file` as the service does: the position it saves, through JSON. */
function stop(file: RotatingFile): FilePosition {
  file.close();
  return JSON.parse(JSON.stringify(file.position())) as FilePosition;
}

describe('RotatingFile: a restart', () => {
  // The newest rotation seen before the stop, taken as one made while stopped, was read whole again: a plain restart
  // (a package upgrade) made verdicts again of all of yesterday's auth.log.1.
  it('with no rotation while stopped and auth.log.1 there from before: auth.log.1 is not read again', () => {
    const { path, got, notices, run } = logDir('restart-plain', 'a1\n');
    writeFileSync(`${path}.1`, 'old1\nold2\n'); // yesterday's, rotated before this run
    const saved = stop(run());
    appendFileSync(path, 'a2\n');
    stop(run(saved));
    expect(got).toEqual(['a1', 'a2']);
    expect(notices).toEqual([]);
  });

  // Rotations told by a one-digit suffix: a host off for ten daily rotations (`rotate 14`) found its file nowhere,
  // logged its tail as lost, and read none of the nine rotations after it.
  it('after ten rename-and-create rotations while stopped: found at auth.log.10, every line read once, in order', () => {
    const { path, got, notices, run } = logDir('restart-ten', 'a1\n');
    writeFileSync(`${path}.1`, 'old\n'); // rotated before this run
    const saved = stop(run());
    appendFileSync(path, 'a2\n');
    for (let day = 1; day <= 10; day++) renameRotate(path, `d${day}\n`);
    stop(run(saved));
    expect(got).toEqual(['a1', 'a2', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'd9', 'd10']);
    expect(notices).toEqual([['rotated', { path, movedTo: `${path}.10`, whileStopped: true }]]);
  });

  // A file deleted while running, saved as the one followed: at the restart it was nowhere (or its inode number was
  // another file's), and the service log said ERROR source-lines-lost though every line of it had been read.
  it('after auth.log was deleted while running, read to its end, and made anew while stopped: nothing said lost', () => {
    const { path, got, notices, run } = logDir('restart-deleted', 'a1\n');
    const first = run();
    unlinkSync(path);
    settle(first);
    const saved = stop(first);
    writeFileSync(path, 'b1\n');
    stop(run(saved));
    expect(got).toEqual(['a1', 'b1']);
    expect(notices).toEqual([]);
  });

  // A file still read for late lines when the service stopped, gone while stopped, whose inode number the new
  // auth.log got: the new file was opened twice (once as that old file), and each of its lines delivered twice.
  it('when the new auth.log has the inode number of a rotated file gone while stopped: its lines are read once', () => {
    const { path, got, run } = logDir('restart-reused', 'a1\n');
    const first = run();
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'b1\n');
    settle(first);
    const saved = stop(first); // still reading auth.log.1 (a1) for late lines, following auth.log (b1)
    appendFileSync(path, 'b2\n');
    unlinkSync(`${path}.1`); // compressed away
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'c1\nc2\n');
    // As when the file system gave the new auth.log the number of the file gone (ext4 and tmpfs reuse them).
    const reused = { ...saved, retired: [{ ...saved.retired[0]!, ino: statSync(path).ino }] };
    stop(run(reused));
    expect(got).toEqual(['a1', 'b1', 'b2', 'c1', 'c2']);
  });
});
