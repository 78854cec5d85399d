// Found by hand mutation testing: docs/service.md: rotations never seen (two between two looks) are read whole.
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { RotatingFile } from '../../src/sources/rotating-file.js';

const dir = mkdtempSync(join(tmpdir(), 'r5-two-rot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('reads the middle file of two rename-and-create rotations made between two looks', () => {
  const path = join(dir, 'auth.log');
  writeFileSync(path, 'a1\n');
  const got: string[] = [];
  let now = 0;
  const notices: string[] = [];
  const f = new RotatingFile({
    path,
    startAt: 'start',
    clock: () => now,
    onLine: (l) => got.push(l),
    onNotice: (e) => notices.push(e),
  });
  const look = () => {
    now += 1000;
    while (f.poll()) {}
  };
  look();
  appendFileSync(path, 'a2\n');
  // First rotation: A -> .1, new B; B gets lines; second rotation: .1 -> .2, B -> .1, new C. No look in between.
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'b1\nb2\n');
  renameSync(`${path}.1`, `${path}.2`);
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'c1\n');
  look();
  look();
  f.close();
  expect(got).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
  expect(notices).toContain('catch-up');
});
