import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileHeads, leadingCopies } from '../../src/audit/leading-copies.js';
import { listRotated } from '../../src/audit/rotated-files.js';
import { TORN_END } from '../../src/verdict/verdict-line.js';
import { ban, removeTempDir, tempDir, verdictLines, writeRotated } from './log-writers.js';

const dir = tempDir('leading-copies');
afterAll(() => removeTempDir(dir));

const T = Date.parse('2026-02-15T10:00:00Z');
const [A, B, C, D] = verdictLines([1, 2, 3, 4].map((i) => ban(T + i * 1000, `192.0.2.${i}`, 'c-1', 'dictionary'))) as [
  string,
  string,
  string,
  string,
];
const copy = (line: string) => `${line} repeat=rotation`;

/** The files of this directory the process holds open. */
const open = () =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(join('/proc/self/fd', fd));
      return target.startsWith(dir) ? [target] : [];
    } catch {
      return [];
    }
  });

describe('leadingCopies', () => {
  it('gives the lines of the copies a file begins with, past one line before them, up to the first after them', async () => {
    const path = join(dir, 'head.log');
    writeRotated(path, [[A, copy(B), `${copy(C).slice(0, -3)}${TORN_END}`, D, copy(A)]]);
    const head = await leadingCopies(listRotated(path)[0]!);
    expect(head).toEqual({ lines: true, originals: new Set([B, C]) });
  });

  it('says a file with no line has none', async () => {
    const path = join(dir, 'empty.log');
    writeRotated(path, [[]]);
    expect(await leadingCopies(listRotated(path)[0]!)).toEqual({ lines: false, originals: new Set() });
  });

  // Found in review: stopping early ended the gunzip stream only, and each .gz file's descriptor stayed open.
  it('leaves no file open once the heads of every rotation are read, .gz ones included', async () => {
    const path = join(dir, 'rotated.log');
    writeRotated(path, [[A, B], [copy(B), C], [], [copy(C), D], [copy(D)]]);
    const files = listRotated(path);
    expect(files.filter((f) => f.gzip)).toHaveLength(3);
    const heads = new FileHeads(files);
    expect([...(await heads.after(0))]).toEqual([B]);
    expect([...(await heads.after(1))]).toEqual([C]);
    expect([...(await heads.after(3))]).toEqual([D]);
    for (let waited = 0; open().length > 0 && waited < 50; waited++) await new Promise((r) => setTimeout(r, 20));
    expect(open()).toEqual([]);
  });
});
