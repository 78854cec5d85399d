import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LineSink } from '../../src/replay/line-sink.js';

describe('line sink', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every line whole and in order, across buffer boundaries, long lines and non-ASCII ones', () => {
    dir = mkdtempSync(join(tmpdir(), 'f2b-sink-'));
    const path = join(dir, 'out');
    const fd = openSync(path, 'w');
    const sink = new LineSink(fd);
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(`${'x'.repeat(i % 97)} line ${i}`);
    lines.splice(1234, 0, 'y'.repeat(200_000));
    lines.splice(2345, 0, 'caf\u00e9 \u2603 not ascii');
    lines.splice(3456, 0, '');
    for (const line of lines) sink.write(line);
    sink.flush();
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe(`${lines.join('\n')}\n`);
  });
});
