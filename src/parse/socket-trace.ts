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
  /**
   * Blocks dropped because they end in a line cut short: `record` stopped in the middle of a write (killed, disk
   * full) and a later run appended on the cut line, or the trace was read while being written. Their rows from
   * the cut on are missing, so every connection among them would look closed at that sample.
   */
  cut?: number;
}

const HEX = '[0-9A-Fa-f]';
/** The columns of a row up to its inode, each whole (the last one seen may be a prefix). */
const COLUMNS = [
  /^\d+:$/,
  new RegExp(`^${HEX}{8}(?:${HEX}{24})?:${HEX}{4}$`),
  new RegExp(`^${HEX}{8}(?:${HEX}{24})?:${HEX}{4}$`),
  new RegExp(`^${HEX}{2}$`),
  new RegExp(`^${HEX}{8}:${HEX}{8}$`),
  new RegExp(`^${HEX}{2}:${HEX}{8}$`),
  new RegExp(`^${HEX}{8}$`),
  /^\d+$/,
  /^\d+$/,
];

/**
 * Fewest columns of a whole row: the kernel ends every row with at least the socket's reference count and address
 * after its inode (TIME_WAIT and SYN_RECV rows: 12 columns; the others 17).
 */
const ROW_COLUMNS = 12;

/**
 * A line that is the beginning of a row or of a table's header, cut before the row's inode or the header's end. A
 * row cut inside its inode or just after it still parses (with a wrong inode): `rowCutShort` tells it.
 */
function cutShort(line: string): boolean {
  if (line.startsWith('sl ')) return !line.endsWith('inode');
  const f = line.trim().split(/\s+/);
  if (f.length > COLUMNS.length + 1) return false;
  for (let i = 0; i < f.length - 1; i++) if (!COLUMNS[i]!.test(f[i]!)) return false;
  return /^[0-9A-Fa-f:]*$/.test(f[f.length - 1]!);
}

/** A line that parsed as a row but lacks the columns the kernel prints after the inode: cut in or after it. */
function rowCutShort(line: string): boolean {
  return line.trim().split(/\s+/).length < ROW_COLUMNS;
}

/**
 * Streams samples out of trace lines, one per block, holding one block at a time. A block whose last line was cut
 * short is dropped (counted in `cut`): an `@` in the middle of a line starts the block appended after the cut.
 */
export async function* readSocketTrace(
  lines: AsyncIterable<string> | Iterable<string>,
  stats: TraceStats = { blocks: 0, rows: 0, malformed: 0, badTimes: 0 },
): AsyncGenerator<SocketSample> {
  let time: number | null = null;
  let rows: SocketRow[] = [];
  let inBlock = false;
  /** Whether the block's last line so far was cut short; when it is a row, rowCutShort() of it tells at the end. */
  let cut = false;
  let lastRow: string | null = null;
  const finish = (): SocketSample | null => {
    if (!inBlock || time === null) return null;
    if (cut || (lastRow !== null && rowCutShort(lastRow))) {
      stats.cut = (stats.cut ?? 0) + 1;
      return null;
    }
    stats.blocks++;
    stats.rows += rows.length;
    return { time, rows };
  };
  /** A line that is not a block's start: a row, a header, a blank line, or none of them. */
  const take = (line: string): void => {
    const trimmed = line.trimStart();
    if (trimmed === '') return;
    if (trimmed.startsWith('sl ') && trimmed.endsWith('inode')) {
      cut = false;
      lastRow = null;
      return;
    }
    const row = inBlock ? parseProcNetTcpRow(trimmed) : null;
    // Only a block's last row can be cut: counting its columns waits for the block's end (finish()).
    cut = row === null && cutShort(trimmed);
    lastRow = row === null ? null : trimmed;
    if (row === null) stats.malformed++;
    else if (time !== null) rows.push(row);
  };
  for await (const raw of lines) {
    let line = raw.trimEnd();
    // The kernel's lines hold no `@`: one inside a line is a block appended after a write that stopped mid-line.
    const at = line.indexOf('@ ');
    if (at > 0) {
      const before = line.slice(0, at);
      if (before.trim() !== '') {
        take(before);
        cut = true;
      }
      line = line.slice(at);
    }
    if (line.startsWith('@ ')) {
      const sample = finish();
      if (sample) yield sample;
      const t = parseRfc3339(line.slice(2).trim());
      inBlock = true;
      cut = false;
      lastRow = null;
      rows = [];
      time = Number.isNaN(t) ? null : t;
      if (time === null) stats.badTimes++;
      continue;
    }
    take(line);
  }
  const sample = finish();
  if (sample) yield sample;
}
