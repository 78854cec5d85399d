// Found by hand mutation testing: docs/service.md: rotations never seen (two between two looks) are read whole.
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { RotatingFile } from '../../src/sources/rotating-file.js';
import { renameRotate } from '../helpers/logrotate.js';

const dir = mkdtempSync(join(tmpdir(), 'r5-two-rot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('reads the middle file of two rename-and-create rotations made between two looks', () => {
  const path = join(dir, 'auth.log');
  writeFileSync(path, 'a1\n');
  const { got, notices, file, look } = follow(path);
  look();
  appendFileSync(path, 'a2\n');
  // First rotation: A -> .1, new B; B gets lines; second rotation: .1 -> .2, B -> .1, new C. No look in between.
  renameRotate(path, 'b1\nb2\n');
  renameRotate(path, 'c1\n');
  look();
  look();
  file.close();
  expect(got).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
  expect(notices).toContain('catch-up');
});

/** A follower of `path` on a clock that moves a second per look; `look` reads all there is. */
function follow(path: string) {
  const got: string[] = [];
  const notices: string[] = [];
  let now = 0;
  const file = new RotatingFile({
    path,
    startAt: 'start',
    clock: () => now,
    onLine: (l) => got.push(l),
    onNotice: (e) => notices.push(e),
  });
  const look = () => {
    now += 1000;
    while (file.poll()) {}
  };
  return { got, notices, file, look };
}

// Found by hand mutation testing (session 32): reading the unseen rotations newest first passed every test.
it('reads three rename-and-create rotations made between two looks oldest first', () => {
  const path = join(dir, 'three.log');
  writeFileSync(path, 'a1\n');
  const { got, file, look } = follow(path);
  look();
  appendFileSync(path, 'a2\n');
  renameRotate(path, 'b1\n');
  renameRotate(path, 'c1\n');
  renameRotate(path, 'd1\n');
  look();
  look();
  file.close();
  expect(got).toEqual(['a1', 'a2', 'b1', 'c1', 'd1']);
});

// Found by hand mutation testing (session 32): without the catch-up after a copytruncate, the content between two
// copytruncates made between two looks (an admin's `logrotate -f` run twice) was never read, and no test failed.
it('reads the copy between two copytruncates made between two looks, in order', () => {
  const path = join(dir, 'copies.log');
  writeFileSync(path, 'a1\n');
  const { got, notices, file, look } = follow(path);
  look();
  const copytruncate = () => {
    if (existsSync(`${path}.1`)) renameSync(`${path}.1`, `${path}.2`);
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
  };
  appendFileSync(path, 'a2\n');
  copytruncate();
  appendFileSync(path, 'b1\nb2\n');
  copytruncate();
  appendFileSync(path, 'c1\n');
  look();
  look();
  file.close();
  expect(got).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
  expect(notices).toEqual(['truncated', 'catch-up']);
});
