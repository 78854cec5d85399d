import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { gzipTail } from '../../src/service/gzip-tail.js';
import { tempDir } from './helpers.js';

const t = tempDir('gzip-tail');
afterAll(t.cleanup);

// Two members, as `cat a.gz b.gz` makes: gunzip reads both.
const data = Buffer.concat([Buffer.from('0123456789'.repeat(300_000)), Buffer.from('abcdefghij'.repeat(300_000))]);
const file = join(t.dir, 'verdicts.log.1.gz');
writeFileSync(file, Buffer.concat([gzipSync(data.subarray(0, 3_000_000)), gzipSync(data.subarray(3_000_000))]));

describe('gzipTail', () => {
  it('keeps the decompressed length, the last bytes and one window', () => {
    const read = gzipTail(file, 1_000_000, { from: 2_999_995, to: 3_000_005 });
    expect(read).not.toBeNull();
    expect(read!.total).toBe(data.length);
    expect(read!.tail.equals(data.subarray(data.length - 1_000_000))).toBe(true);
    expect(read!.window.toString()).toBe('56789abcde');
  });

  it('gives a window cut by the end as far as the data goes, and all of a file shorter than the tail', () => {
    const read = gzipTail(file, 10_000_000, { from: data.length - 3, to: data.length + 5 });
    expect(read!.window.toString()).toBe('hij');
    expect(read!.tail.equals(data)).toBe(true);
  });

  it('is null for a file cut short, not gzip, or missing', () => {
    const cut = join(t.dir, 'cut.gz');
    writeFileSync(cut, readFileSync(file).subarray(0, 1000));
    expect(gzipTail(cut, 100, { from: 0, to: 0 })).toBeNull();
    const plain = join(t.dir, 'plain');
    writeFileSync(plain, 'not gzip\n');
    expect(gzipTail(plain, 100, { from: 0, to: 0 })).toBeNull();
    expect(gzipTail(join(t.dir, 'missing.gz'), 100, { from: 0, to: 0 })).toBeNull();
  });
});
