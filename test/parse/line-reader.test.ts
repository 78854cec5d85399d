import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_KEPT, readLineBatches, readLogChunks } from '../../src/parse/line-reader.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';

const dir = mkdtempSync(join(tmpdir(), 'f2b-line-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('line reader', () => {
  it('turns 20 MB without a newline into one cut line the parser counts as too long, and reads on', async () => {
    const file = join(dir, 'junk.log');
    const real = 'Feb 15 14:23:12 host sshd[7]: Failed password for root from 203.0.113.5 port 22 ssh2';
    writeFileSync(file, `${real}\n${'A'.repeat(20 << 20)}\n${real}\n`);
    const parser = new SshdParser({ referenceTime: Date.UTC(2026, 1, 20) });
    let longest = 0;
    const ips: string[] = [];
    for await (const batch of readLineBatches(file)) {
      for (const line of batch) {
        longest = Math.max(longest, line.length);
        const event = parser.parseLine(line);
        if (event) ips.push(event.ip);
      }
    }
    expect(ips).toEqual(['203.0.113.5', '203.0.113.5']);
    expect(parser.stats.lines).toBe(3);
    expect(parser.stats.skipped['too-long']).toBe(1);
    // Never more than the kept head plus one 64 KiB chunk of it.
    expect(longest).toBeLessThanOrEqual(MAX_KEPT + (1 << 16));
  });

  it('gives back every line of a file whose lines and UTF-8 characters straddle its 64 KiB chunks', async () => {
    // A file is read into one buffer again and again: the part of a line left at a chunk's end must be a copy.
    const file = join(dir, 'straddling.log');
    const lines = Array.from(
      { length: 6000 },
      (_, i) => `${i} ${'é€𝄞x'.repeat(i % 37)} ${randomBytes(i % 50).toString('hex')}`,
    );
    writeFileSync(file, `${lines.join('\n')}\n`);
    const read: string[] = [];
    for await (const batch of readLineBatches(file)) read.push(...batch);
    expect(read).toEqual(lines);
  });

  it('closes the file when its reader stops early', async () => {
    const file = join(dir, 'stopped.log');
    writeFileSync(file, 'line\n'.repeat(100_000));
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for await (const batch of readLineBatches(file)) if (batch.length > 0) break;
    expect(open()).toBe(before);
  });
});

describe('line reader, compressed input', () => {
  it('reads concatenated gzip members (cat a.gz b.gz) as one text, lines split across members included', async () => {
    const file = join(dir, 'two-members.gz');
    writeFileSync(file, Buffer.concat([gzipSync('first line\nsecond '), gzipSync('half\nthird line\n')]));
    const lines: string[] = [];
    for await (const batch of readLineBatches(file)) lines.push(...batch);
    expect(lines).toEqual(['first line', 'second half', 'third line']);
  });

  it('reads a .gz of many chunks whole (gunzip is given copies of the reused read buffer)', async () => {
    const file = join(dir, 'big.gz');
    const lines = Array.from({ length: 6000 }, () => randomBytes(40).toString('hex'));
    const packed = gzipSync(`${lines.join('\n')}\n`);
    expect(packed.length).toBeGreaterThan(3 << 16);
    writeFileSync(file, packed);
    const read: string[] = [];
    for await (const batch of readLineBatches(file)) read.push(...batch);
    expect(read).toEqual(lines);
  });

  it('reads from a position as bytes: a resumed read is never taken for the start of a gzip stream', async () => {
    const file = join(dir, 'resumed.log');
    writeFileSync(file, Buffer.concat([Buffer.from('head\n'), gzipSync('x')]));
    let bytes = 0;
    for await (const chunk of readLogChunks(file, 5)) bytes += chunk.length;
    expect(bytes).toBe(gzipSync('x').length);
  });
});
