import { appendFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { VerdictDedupe, type VerdictLogMark } from '../../src/service/verdict-dedupe.js';
import { VerdictWriter } from '../../src/service/verdict-writer.js';
import { formatVerdictLine } from '../../src/verdict/verdict-line.js';
import { memoryLogger, tempDir } from './helpers.js';
import { logrotate } from './stopped-rotation.js';

const t = tempDir('dedupe-without-digest');
afterAll(t.cleanup);

const ban = (n: number) => banVerdict(0, `203.0.113.${n}`, 'c1', 'r');
const untold = (lines: () => Record<string, unknown>[]) =>
  lines().filter((l) => l['event'] === 'verdict-log-truncation-unknown');

/**
 * A run of a version before 2026-11-24, whose state held the verdict log's end without its digest: BANs .1 to .5
 * written a minute ago, then saved 30 s ago (the mark), then BAN .6; logrotate copytruncate if `truncate`, then BANs
 * .7 to .12 into the emptied log, past the marked size again. The crash dedupe of the next start.
 */
function crashAfter(name: string, truncate: boolean) {
  const path = join(t.dir, name);
  const { log, lines } = memoryLogger();
  let ago = 60_000;
  const run = new VerdictWriter({ path, log: memoryLogger().log, clock: () => Date.now() - ago });
  for (let n = 1; n <= 5; n++) run.write(ban(n));
  const { tail: _digest, ...mark }: VerdictLogMark = run.mark()!;
  const savedAt = Date.now() - 30_000;
  ago = 1000;
  run.write(ban(6));
  if (truncate) logrotate(path, '  copytruncate\n');
  for (let n = 7; n <= 12; n++) run.write(ban(n));
  run.close();
  expect(statSync(path).size).toBeGreaterThan(mark.size);
  return { dedupe: VerdictDedupe.fromLog(path, mark, savedAt, log), lines };
}

// Found in session 28 (docs/service.md said it may write twice): such a log, truncated and written past the saved
// size again, was read past that size, and the verdicts in logrotate's copy were written a second time.
describe('crash dedupe from a state saved without the digest', () => {
  it('tells a log truncated and written past the saved size again by its line times, and reads the copy', () => {
    const { dedupe, lines } = crashAfter('truncated.log', true);
    for (const n of [6, 7, 12]) expect(dedupe.seen(ban(n))).toBe(true);
    expect(dedupe.seen(ban(5))).toBe(false);
    expect(untold(lines)).toEqual([]);
  });

  it('tells a log not truncated since by its line times, and reads it past the saved size', () => {
    const { dedupe, lines } = crashAfter('kept.log', false);
    for (const n of [6, 7, 12]) expect(dedupe.seen(ban(n))).toBe(true);
    expect(dedupe.seen(ban(5))).toBe(false);
    expect(untold(lines)).toEqual([]);
  });

  // savedAt is taken with the mark, in the millisecond the last line before it may have been written in.
  it('takes a line stamped in the very millisecond of the save as written before it', () => {
    const path = join(t.dir, 'same-ms.log');
    const { log, lines } = memoryLogger();
    const savedAt = Date.now() - 30_000;
    appendFileSync(path, `${formatVerdictLine({ ...ban(1), time: savedAt }, 1)}\n`);
    const st = statSync(path);
    const mark = { ino: st.ino, dev: st.dev, size: st.size };
    appendFileSync(path, `${formatVerdictLine({ ...ban(2), time: Date.now() }, 1)}\n`);
    const dedupe = VerdictDedupe.fromLog(path, mark, savedAt, log);
    expect(dedupe.seen(ban(1))).toBe(false);
    expect(dedupe.seen(ban(2))).toBe(true);
    expect(untold(lines)).toEqual([]);
  });

  // Only copies before the mark, and no copy of the log: nothing tells. Read past the saved size, whose lines were
  // written after the save either way: a verdict in a copy may be written twice, and none is dropped.
  it('says so when nothing tells, and reads the log past the saved size', () => {
    const path = join(t.dir, 'untold.log');
    const { log, lines } = memoryLogger();
    const old = formatVerdictLine({ ...ban(1), time: Date.now() - 60_000 }, 1);
    appendFileSync(path, `${old} repeat=rotation\n`);
    const st = statSync(path);
    const mark = { ino: st.ino, dev: st.dev, size: st.size };
    appendFileSync(path, `${formatVerdictLine({ ...ban(2), time: Date.now() }, 1)}\n`);
    const dedupe = VerdictDedupe.fromLog(path, mark, Date.now() - 30_000, log);
    expect(untold(lines)).toMatchObject([{ path, size: st.size }]);
    expect(dedupe.seen(ban(2))).toBe(true);
    expect(dedupe.seen(ban(1))).toBe(false);
  });
});
