import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { VerdictDedupe } from '../../src/service/verdict-dedupe.js';
import { VerdictWriter } from '../../src/service/verdict-writer.js';
import { formatVerdictLine } from '../../src/verdict/verdict-line.js';
import { memoryLogger } from './helpers.js';
import { fileLines, logrotate, setup } from './stopped-rotation.js';

const truncated = (lines: () => Record<string, unknown>[]) =>
  lines().filter((l) => l['event'] === 'verdict-log-reopened' && l['reason'] === 'truncated-while-stopped');

/** An hour-old verdict log of `mb` MB (a flood's BAN lines) at `path`. */
function floodLog(path: string, mb: number): void {
  let chunk = '';
  for (let n = 0; chunk.length < 1024 * 1024; n++) {
    const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    chunk += `${formatVerdictLine(banVerdict(Date.now() - 3_600_000, ip, 'c-flood', 'rhythm'), 1)}\n`;
  }
  for (let i = 0; i < mb; i++) appendFileSync(path, chunk);
}

// Found in session 28: a compressed copy over 64 MB once decompressed was not read at all: after a flood, a
// copytruncate with `compress` and no `delaycompress` while the service was stopped repeated nothing, and a crash
// wrote the verdicts since the save a second time.
describe('a compressed copy of a verdict log larger than 64 MB once decompressed', () => {
  it('is read, streaming: the BAN lines of the 10 s before the truncation are written again, and the dedupe reads it', () => {
    const { path, log, lines } = setup();
    floodLog(path, 70);
    const { log: runLog } = memoryLogger();
    const run = new VerdictWriter({ path, log: runLog, clock: () => Date.now() - 500 });
    run.write(banVerdict(0, '203.0.113.1', 'c1', 'r'));
    const mark = run.mark()!;
    run.write(banVerdict(0, '203.0.113.2', 'c1', 'r'));
    run.close();
    const last = readFileSync(path, 'utf8').slice(-1000).trim().split('\n').slice(-2);
    expect(statSync(path).size).toBeGreaterThan(70 * 1024 * 1024);
    logrotate(path, '  copytruncate\n  compress\n');
    expect(existsSync(`${path}.1.gz`)).toBe(true);
    const dedupe = VerdictDedupe.fromLog(path, mark);
    expect(dedupe.seen(banVerdict(1, '203.0.113.2', 'c1', 'r'))).toBe(true);
    expect(dedupe.seen(banVerdict(1, '203.0.113.1', 'c1', 'r'))).toBe(false);
    new VerdictWriter({ path, log, lastRun: mark }).close();
    expect(fileLines(path)).toEqual(last.map((l) => `${l} repeat=rotation`));
    expect(truncated(lines)).toMatchObject([{ repeated: 2, alreadyThere: 0 }]);
  }, 60_000);
});
