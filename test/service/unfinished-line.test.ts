import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unfinished } from '../../src/service/unfinished-line.js';
import { tempDir } from './helpers.js';

/**
 * How much of the first line the state owes the verdict log ends with, at a start after a full disk tore it. Found by
 * hand mutation testing (session 32): a log holding nothing but that part (a full disk at the first line written
 * into a new or just rotated log) passed every test when taken as no part of it, and the start then ended the part
 * with TORN_END and a warning, and wrote the line again whole after it, rather than finishing it in place.
 */
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const OWED = Buffer.from(
  '2026-11-25T03:00:00.000Z f2b-campaign[42]: BAN ip=192.0.2.7 campaign=c-1 reason=dictionary\n',
);

function verdictLog(content: string): string {
  const t = tempDir('unfinished-line');
  cleanups.push(t.cleanup);
  const path = join(t.dir, 'verdicts.log');
  writeFileSync(path, content);
  return path;
}

describe('unfinished: the owed line a verdict log ends with the first part of', () => {
  it('a log holding only that part: its length', () => {
    expect(unfinished(verdictLog(OWED.subarray(0, 30).toString()), OWED)).toBe(30);
  });

  it('after whole lines: its length; a part of another line, or a log ending with a newline: 0', () => {
    const before = 'an earlier verdict line\n';
    expect(unfinished(verdictLog(before + OWED.subarray(0, 30).toString()), OWED)).toBe(30);
    expect(unfinished(verdictLog(`${before}2026-11-25T02:59:59.000Z f2b`), OWED)).toBe(0);
    expect(unfinished(verdictLog(before), OWED)).toBe(0);
  });
});
