import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { banVerdict, type Verdict } from '../../src/core/verdict.js';
import type { VerdictLogMark } from '../../src/service/verdict-dedupe.js';
import { VerdictWriter } from '../../src/service/verdict-writer.js';
import { memoryLogger, tempDir } from './helpers.js';

/** What the tests of a verdict log rotated while the service was stopped share. */
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

export function setup() {
  const t = tempDir('stopped-rotation');
  cleanups.push(t.cleanup);
  return { path: join(t.dir, 'verdicts.log'), ...memoryLogger() };
}

const GROW: Verdict = {
  time: 0,
  verb: 'CAMPAIGN',
  fields: [
    ['id', 'c1'],
    ['event', 'grow'],
  ],
};

/**
 * A run that writes BAN 203.0.113.1 `firstAgo` ms before now, then a CAMPAIGN line and BANs .2 and .3 `lastAgo` ms
 * before now (the wall clock: the rename's ctime is the kernel's), and stops: its last save's mark, and its lines.
 */
export function runAndStop(path: string, firstAgo: number, lastAgo: number): { mark: VerdictLogMark; lines: string[] } {
  const { log } = memoryLogger();
  let ago = firstAgo;
  const writer = new VerdictWriter({ path, log, clock: () => Date.now() - ago });
  writer.write(banVerdict(0, '203.0.113.1', 'c1', 'r'));
  ago = lastAgo;
  writer.write(GROW);
  writer.write(banVerdict(0, '203.0.113.2', 'c1', 'r'));
  writer.write(banVerdict(0, '203.0.113.3', 'c1', 'r'));
  const mark = writer.mark()!;
  writer.close();
  return { mark, lines: readFileSync(path, 'utf8').trim().split('\n') };
}

/** logrotate's rename and `create`. */
export function rotate(path: string): void {
  renameSync(path, `${path}.1`);
  writeFileSync(path, '');
}

export const fileLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
export const reopened = (lines: () => Record<string, unknown>[]) =>
  lines().filter((l) => l['event'] === 'verdict-log-reopened' && l['reason'] === 'rotated-while-stopped');

/** The real logrotate with the stanza `rules` (`create`, or `copytruncate`, an admin's stanza). */
export function logrotate(path: string, rules: string): void {
  const conf = join(dirname(path), 'logrotate.conf');
  writeFileSync(conf, `${path} {\n  rotate 5\n  missingok\n${rules}}\n`);
  execFileSync('logrotate', ['-f', '-s', join(dirname(path), 'logrotate.state'), conf], { stdio: 'pipe' });
}
