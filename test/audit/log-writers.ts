import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { banVerdict, type Verdict } from '../../src/core/verdict.js';
import { formatVerdictLine } from '../../src/verdict/verdict-line.js';

/** A fresh directory under the OS temp dir for one test; `removeTempDir` deletes it unless F2B_KEEP_TMP is set. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `f2b-audit-${prefix}-`));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function removeTempDir(dir: string): void {
  if (!process.env['F2B_KEEP_TMP'] && dir.length > 0) rmSync(dir, { recursive: true, force: true });
}

/** fail2ban's own timestamp: local time, comma before the milliseconds. */
export function fail2banStamp(t: number): string {
  const d = new Date(t);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

/** One fail2ban log line as fail2ban 1.0.2 writes it. */
export function fail2banLine(t: number, logger: string, level: string, message: string): string {
  return `${fail2banStamp(t)} ${`fail2ban.${logger}`.padEnd(24)}[4711]: ${level.padEnd(8)}${message}`;
}

export const campaignVerdict = (
  time: number,
  id: string,
  event: string,
  members: number,
  signals: string,
): Verdict => ({
  time,
  verb: 'CAMPAIGN',
  fields: [
    ['id', id],
    ['event', event],
    ['members', members],
    ['signals', signals],
    ['start', new Date(time).toISOString()],
    ['last_seen', new Date(time).toISOString()],
  ],
});

/** A BAN of the campaign detector, with every key such a BAN carries (docs/verdict-line.md). */
export const ban = (time: number, ip: string, campaign: string, reason: string, user?: string): Verdict =>
  banVerdict(time, ip, campaign, reason, [
    ['match', 'join'],
    ['attempts', 2],
    ['probes', 0],
    ...(user === undefined ? [] : ([['user', user]] as const)),
  ]);

/**
 * Writes lines as logrotate (daily, compress, delaycompress) would have left them: the newest chunk is `path`,
 * then `path.1` plain, `path.2.gz`, ... Chunks are given oldest first.
 */
export function writeRotated(path: string, chunks: readonly string[][]): void {
  const n = chunks.length;
  chunks.forEach((lines, i) => {
    const rank = n - 1 - i;
    const text = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    if (rank === 0) writeFileSync(path, text);
    else if (rank === 1) writeFileSync(`${path}.1`, text);
    else writeFileSync(`${path}.${rank}.gz`, gzipSync(text));
  });
}

export const verdictLines = (verdicts: readonly Verdict[]) => verdicts.map((v) => formatVerdictLine(v, 812));
