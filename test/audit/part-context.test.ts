import { describe, expect, it } from 'vitest';
import { PartContext } from '../../src/audit/part-context.js';
import { readLine } from '../../src/audit/torn-parts.js';
import { formatVerdictLine } from '../../src/verdict/verdict-line.js';
import { ban } from './log-writers.js';

const T = Date.parse('2026-02-15T10:00:00Z');
const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const line = (time: number, ip: string) => formatVerdictLine(ban(time, ip, 'c-1', 'dictionary'), 812);
const copyOf = (text: string) => `${text} repeat=rotation`;

/** Reads `lines` in one file, as run-audit does; what the context made of the last. */
function readAll(context: PartContext, lines: readonly string[]) {
  let last = null;
  for (const text of lines) last = context.read(text, readLine(text));
  return last!;
}

/**
 * The BAN lines PartContext keeps to find a copy's line by, when the copy does not lead its file (leading-copies.ts
 * keeps those of the copies that do): the last 1,024, and those stamped within 20 s before the latest or after it.
 */
describe('the BAN lines kept for copies that do not lead their file', () => {
  // Found in review: eviction stopped at the first line still young, so a line stamped a day ahead (a clock a day off,
  // then stepped back) kept every line after it, for a day of lines.
  it('are not every line after one stamped a day ahead', () => {
    const context = new PartContext();
    const lines = [line(T + 86_400_000, '198.51.100.1')];
    for (let i = 0; i < 50_000; i++) lines.push(line(T + i * 1000, address(i)));
    readAll(context, lines);
    expect(context.keptLines).toBeLessThanOrEqual(1024 + 21 + 1);
  });

  it('still hold that line, which the writer may copy until its clock catches up', () => {
    const ahead = line(T + 3_600_000, '198.51.100.1');
    const lines = [ahead];
    for (let i = 0; i < 5000; i++) lines.push(line(T + i * 100, address(i)));
    const read = readAll(new PartContext(), [...lines, copyOf(ahead)]);
    expect(read).toMatchObject({ torn: false });
    expect(read.fromCopy).toBeUndefined();
  });

  it('hold a burst of more than 1,024 in the same second', () => {
    const burst = Array.from({ length: 3000 }, (_, i) => line(T, address(i)));
    const read = readAll(new PartContext(), [...burst, copyOf(burst[0]!)]);
    expect(read.fromCopy).toBeUndefined();
  });
});
