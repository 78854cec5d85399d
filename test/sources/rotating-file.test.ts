import { appendFileSync, copyFileSync, existsSync, renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FilePosition } from '../../src/sources/file-position.js';
import { RotatingFile } from '../../src/sources/rotating-file.js';
import { tempDir } from '../service/helpers.js';

/**
 * What the follower delivers, in which order, and what it says in the service log (its notices: `lost` becomes
 * ERROR source-lines-lost) when a file is rotated or replaced while it runs or while the service is stopped.
 */
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function follower(path: string, got: string[], notices: [string, Record<string, unknown>][], position?: FilePosition) {
  return new RotatingFile({
    path,
    startAt: 'start',
    ...(position ? { position } : {}),
    onLine: (line) => got.push(line),
    onNotice: (event, detail) => notices.push([event, detail]),
  });
}

function settle(file: RotatingFile): void {
  while (file.poll()) {
    // more to read at once
  }
}

/** A followed `auth.log` in a temp dir, starting with `content`, its lines and notices collected. */
function followed(prefix: string, content: string) {
  const t = tempDir(prefix);
  cleanups.push(t.cleanup);
  const path = join(t.dir, 'auth.log');
  writeFileSync(path, content);
  const got: string[] = [];
  const notices: [string, Record<string, unknown>][] = [];
  return { path, got, notices, file: follower(path, got, notices) };
}

/**
 * Reads a1..a3, stops (position saved as JSON), lets `whileStopped` act on the file after a4 was written, restarts.
 * `device`: the device number the file system has at the restart, when a reboot gave it another.
 */
function stopAndRestart(whileStopped: (path: string) => void, device?: (dev: number) => number) {
  const t = tempDir('rotating');
  cleanups.push(t.cleanup);
  const path = join(t.dir, 'auth.log');
  writeFileSync(path, 'a1\na2\n');
  const got: string[] = [];
  const notices: [string, Record<string, unknown>][] = [];
  const first = follower(path, got, notices);
  settle(first);
  appendFileSync(path, 'a3\n');
  settle(first);
  first.close();
  const text = JSON.stringify(first.position(), (key, value) =>
    key === 'dev' && device && typeof value === 'number' ? device(value) : value,
  );
  const saved = JSON.parse(text) as FilePosition;
  appendFileSync(path, 'a4\n'); // written while the service is stopped, before the rotation
  whileStopped(path);
  appendFileSync(path, 'b1\n');
  const second = follower(path, got, notices, saved);
  settle(second);
  second.close();
  return { path, got, notices: notices.map(([event, detail]) => ({ event, ...detail })) };
}

describe('RotatingFile: where a fresh start begins (start_at, no saved position)', () => {
  // Found in review: the first look was marked done before the file was opened, so start_at = end (the default)
  // read a fresh install's whole auth.log, and the service wrote verdicts, stamped now, for old lines.
  it('start_at = end: a file there at the first look is read from its end, one that appears later from its start', () => {
    const t = tempDir('rotating-start');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'auth.log');
    writeFileSync(path, 'old1\nold2\n');
    const got: string[] = [];
    const options = { path, onLine: (line: string) => got.push(line), onNotice: () => {} };
    const atEnd = new RotatingFile({ ...options, startAt: 'end' });
    settle(atEnd);
    appendFileSync(path, 'new1\n');
    settle(atEnd);
    expect(got).toEqual(['new1']);
    atEnd.close();
    got.length = 0;
    const later = join(t.dir, 'later.log');
    const appears = new RotatingFile({ ...options, path: later, startAt: 'end' });
    settle(appears);
    writeFileSync(later, 'first\n');
    settle(appears);
    expect(got).toEqual(['first']);
    appears.close();
    got.length = 0;
    const fromStart = new RotatingFile({ ...options, startAt: 'start' });
    settle(fromStart);
    expect(got).toEqual(['old1', 'old2', 'new1']);
    fromStart.close();
  });
});

describe('RotatingFile: rotation and replacement, delivery and notices', () => {
  it('copytruncate while running: the old tail (from the copy) is delivered before the new content', () => {
    const { path, got, notices, file } = followed('rotating', 'a1\n');
    settle(file);
    appendFileSync(path, 'a2\n'); // written after our last look
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    appendFileSync(path, 'b1\n');
    settle(file);
    file.close();
    expect(got).toEqual(['a1', 'a2', 'b1']);
    expect(notices).toEqual([['truncated', { path, copy: `${path}.1` }]]);
  });

  // Found in review: a rotated file still held for late lines when the service stopped, compressed (or removed)
  // while it was stopped, was reported as lines lost (ERROR) though it had been read to its end.
  // Found in review: both were logged as notice `rotated` with `movedTo: null`, which tells an admin nothing of where
  // the old file went; the reading was right, the notice was not.
  it.each([
    ['deleted', (p: string) => unlinkSync(p), 'recreated', 'deleted'],
    ['moved out of the directory', (p: string) => renameSync(p, `${p}-old`), 'rotated', 'moved-elsewhere'],
  ] as const)(
    '%s and made anew while running: read to its end, the new file from 0, and the notice says so',
    (_name, away, said, oldFile) => {
      const { path, got, notices, file } = followed('replaced', 'a1\n');
      settle(file);
      appendFileSync(path, 'a2\n');
      away(path);
      writeFileSync(path, 'b1\n');
      settle(file);
      file.close();
      expect(got).toEqual(['a1', 'a2', 'b1']);
      expect(notices).toEqual([[said, { path, oldFile, ...(said === 'rotated' ? { movedTo: null } : {}) }]]);
    },
  );

  // Found by hand mutation testing (session 32): a rotated file's last line with no newline (sshd -E killed mid-write,
  // a full disk) was never delivered when the file was let go, and no test failed (docs/service.md says it is).
  it('a rotated file whose last line has no newline: that line is delivered when the file is let go', () => {
    const t = tempDir('rotating-torn');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'auth.log');
    writeFileSync(path, 'a1\n');
    const got: string[] = [];
    let now = 0;
    const file = new RotatingFile({ path, startAt: 'start', clock: () => now, onLine: (line) => got.push(line) });
    settle(file);
    appendFileSync(path, 'a2\na3');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'b1\n');
    settle(file);
    expect(got).toEqual(['a1', 'a2', 'b1']); // a3 may still be ended: rsyslog writes to .1 until its HUP
    now += 61_000; // the 60 s grace after the old file last grew
    settle(file);
    file.close();
    expect(got).toEqual(['a1', 'a2', 'b1', 'a3']);
  });

  it('a rotated file read to its end, gone at a restart: said (not as lost), and nothing is missed', () => {
    const { path, got, notices, file: first } = followed('rotating-gone', 'a1\na2\n');
    settle(first);
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'b1\n');
    settle(first);
    first.close();
    const saved = JSON.parse(JSON.stringify(first.position())) as FilePosition;
    expect(saved.retired).toHaveLength(1);
    unlinkSync(`${path}.1`); // what gzip does to it
    appendFileSync(path, 'b2\n');
    notices.length = 0;
    const second = follower(path, got, notices, saved);
    settle(second);
    second.close();
    expect(got).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(notices.map(([event]) => event)).toEqual(['retired-gone']);
    // Not read to its end when saved: its unread tail went with it, and that is said as lost.
    const unread = { ...saved, retired: [{ ...saved.retired[0]!, offset: 3 }] };
    notices.length = 0;
    const third = follower(path, [], notices, unread);
    settle(third);
    third.close();
    expect(notices.map(([event]) => event)).toEqual(['lost']);
  });

  // Found in review: a file of which nothing had been read yet (empty when opened, or rewound after a copytruncate)
  // has no first line to tell a copytruncate by: lines written and copied away before the next look were never read.
  it('copytruncate before the first byte of a file was read: the copy is read whole, then the file', () => {
    const { path, got, notices, file } = followed('rotating-unread', '');
    settle(file);
    const truncateCopy = (lines: string[]) => {
      appendFileSync(path, lines.map((l) => `${l}\n`).join(''));
      if (existsSync(`${path}.1`)) renameSync(`${path}.1`, `${path}.2`);
      copyFileSync(path, `${path}.1`);
      truncateSync(path, 0);
    };
    truncateCopy(['a1', 'a2', 'a3']);
    appendFileSync(path, 'b1\n');
    settle(file);
    expect(got).toEqual(['a1', 'a2', 'a3', 'b1']);
    // Twice more, the second right after the rewind the first caused, before anything of the file was read again.
    truncateCopy(['b2']);
    settle(file);
    truncateCopy(['c1']);
    appendFileSync(path, 'd1\n');
    settle(file);
    file.close();
    expect(got).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'c1', 'd1']);
    expect(notices[0]).toEqual(['truncated', { path, copy: `${path}.1`, unread: true }]);
  });

  it('rename-and-create while stopped: resumes in the rotated file and says where it found it', () => {
    const { path, got, notices } = stopAndRestart((p) => {
      renameSync(p, `${p}.1`);
      writeFileSync(p, '');
    });
    expect(got).toEqual(['a1', 'a2', 'a3', 'a4', 'b1']);
    expect(notices).toEqual([{ event: 'rotated', path, movedTo: `${path}.1`, whileStopped: true }]);
  });

  it('copytruncate while stopped: reads the tail from the copy and names the copy (not "copy: null")', () => {
    const { path, got, notices } = stopAndRestart((p) => {
      copyFileSync(p, `${p}.1`);
      truncateSync(p, 0);
    });
    expect(got).toEqual(['a1', 'a2', 'a3', 'a4', 'b1']);
    expect(notices).toEqual([{ event: 'truncated', path, copy: `${path}.1`, whileStopped: true }]);
  });

  // Found in review: a device number is not kept across a reboot (LVM's dm-N in activation order, btrfs and ZFS
  // number theirs at mount), and the saved file was then not found: ERROR lines lost, and auth.log read again from
  // its first byte, days of old lines made into verdicts again.
  describe.each([
    ['not rotated', (_p: string) => {}, []],
    [
      'renamed and created',
      (p: string) => {
        renameSync(p, `${p}.1`);
        writeFileSync(p, '');
      },
      ['rotated'],
    ],
    [
      'copied and truncated',
      (p: string) => {
        copyFileSync(p, `${p}.1`);
        truncateSync(p, 0);
      },
      ['truncated'],
    ],
  ])('a restart after a reboot that renumbered the device, the file %s meanwhile', (_name, whileStopped, said) => {
    it('resumes where it stopped: every line once, nothing said lost', () => {
      const { got, notices } = stopAndRestart(whileStopped, (dev) => dev + 1);
      expect(got).toEqual(['a1', 'a2', 'a3', 'a4', 'b1']);
      expect(notices.map((n) => n.event)).toEqual(said);
    });
  });

  it('copytruncate to a name that is not auth.log.N while stopped: the unread tail is reported lost', () => {
    const { path, got, notices } = stopAndRestart((p) => {
      copyFileSync(p, `${p}-20260101`);
      truncateSync(p, 0);
    });
    expect(got).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(notices).toEqual([{ event: 'lost', path, ino: expect.any(Number), offset: 9 }]);
  });

  it('deleted and recreated while stopped: the unread tail is reported lost, even when the inode number is reused', () => {
    const { path, got, notices } = stopAndRestart((p) => {
      unlinkSync(p);
      writeFileSync(p, '');
    });
    expect(got).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(notices).toEqual([{ event: 'lost', path, ino: expect.any(Number), offset: 9 }]);
  });
});
