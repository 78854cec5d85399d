import type { SocketRow, SocketSample } from '../core/socket.js';
import { parseProcNetTcpRow } from './proc-net-tcp.js';
import { parseRfc3339 } from './syslog-header.js';

/**
 * The socket trace format (docs/socket-trace.md): blocks, each starting with `@ <RFC 3339 time>` and holding the
 * raw lines of /proc/net/tcp and/or /proc/net/tcp6 read at that moment, header lines included. Plain text, so a
 * day recorded on a server can be replayed, diffed and trimmed anywhere.
 */
export function formatTraceBlock(time: number, ...tables: readonly string[]): string {
  const body = tables.map((t) => (t.endsWith('\n') || t === '' ? t : `${t}\n`)).join('');
  return `@ ${new Date(time).toISOString()}\n${body}`;
}

export interface TraceStats {
  blocks: number;
  rows: number;
  /** Rows that are not of the kernel's shape, and lines before the first `@`. */
  malformed: number;
  /** `@` lines whose time does not parse: their block is dropped. */
  badTimes: number;
}

/** Streams samples out of trace lines, one per block, holding one block at a time. */
export async function* readSocketTrace(
  lines: AsyncIterable<string> | Iterable<string>,
  stats: TraceStats = { blocks: 0, rows: 0, malformed: 0, badTimes: 0 },
): AsyncGenerator<SocketSample> {
  let time: number | null = null;
  let rows: SocketRow[] = [];
  let inBlock = false;
  for await (const raw of lines) {
    const line = raw.trimEnd();
    if (line.startsWith('@ ')) {
      if (inBlock && time !== null) {
        stats.blocks++;
        yield { time, rows };
      }
      const t = parseRfc3339(line.slice(2).trim());
      inBlock = true;
      rows = [];
      time = Number.isNaN(t) ? null : t;
      if (time === null) stats.badTimes++;
      continue;
    }
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('sl ')) continue;
    const row = inBlock ? parseProcNetTcpRow(trimmed) : null;
    if (row === null) {
      stats.malformed++;
      continue;
    }
    if (time !== null) {
      rows.push(row);
      stats.rows++;
    }
  }
  if (inBlock && time !== null) {
    stats.blocks++;
    yield { time, rows };
  }
}
