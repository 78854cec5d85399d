import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SocketRow, SocketSample } from '../core/socket.js';
import { parseProcNetTcp, parseProcNetTcpRow } from '../parse/proc-net-tcp.js';
import type { Source, SourceErrorHandler, SourceHealth } from './source.js';

export interface RawTables {
  readonly tcp: string;
  readonly tcp6: string;
}

/** Reads `tcp` and `tcp6` from `dir` (/proc/net, or a test's directory). A missing tcp6 (IPv6 off) reads as empty. */
export function readTables(dir: string): RawTables {
  const read = (name: string, optional: boolean): string => {
    try {
      return readFileSync(join(dir, name), 'latin1');
    } catch (error) {
      if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
  };
  return { tcp: read('tcp', false), tcp6: read('tcp6', true) };
}

/**
 * The rows of one table whose local port is one of `ports`, found by looking at the four hex digits after the
 * local address before decoding anything: on a busy host nearly every row is someone else's, and decoding 50,000
 * rows to keep 50 is what made a sample cost a quarter of a second.
 */
export function rowsOnPorts(text: string, family: 4 | 6, ports: ReadonlySet<number>): SocketRow[] {
  const wanted = new Set([...ports].map((p) => p.toString(16).toUpperCase().padStart(4, '0')));
  const rows: SocketRow[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', text.indexOf(':', start) + 1);
    if (colon > 0 && colon < end && wanted.has(text.slice(colon + 1, colon + 5).toUpperCase())) {
      const row = parseProcNetTcpRow(text.slice(start, end).trimStart(), family);
      if (row) rows.push(row);
    }
    start = end + 1;
  }
  return rows;
}

/** One sample: the rows that `keep` accepts (only those on `ports`, when given), stamped with `time`. */
export function sampleTables(
  tables: RawTables,
  time: number,
  keep: (row: SocketRow) => boolean,
  ports?: ReadonlySet<number>,
): SocketSample {
  const all = ports
    ? [...rowsOnPorts(tables.tcp, 4, ports), ...rowsOnPorts(tables.tcp6, 6, ports)]
    : [...parseProcNetTcp(tables.tcp, 4).rows, ...parseProcNetTcp(tables.tcp6, 6).rows];
  return { time, rows: all.filter(keep) };
}

export interface SocketSamplerOptions {
  readonly dir: string;
  /** Rows passed on (connections to sshd's ports); the rest of a busy host's table is dropped at once. */
  readonly keep: (row: SocketRow) => boolean;
  /** Local ports worth decoding (sshd's); rows on other ports are skipped unread. All rows when absent. */
  readonly ports?: ReadonlySet<number>;
  /** Asked before each wait, so the interval can shorten while a campaign is open. */
  readonly interval: () => number;
  readonly onSample: (sample: SocketSample) => void;
  readonly onError: SourceErrorHandler;
  readonly clock?: () => number;
}

/** Samples /proc/net/tcp{,6} on a timer. Between samples it holds no file open and does nothing. */
export class SocketSampler implements Source {
  readonly name = 'sockets';
  private readonly options: SocketSamplerOptions;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private failure: string | null = null;
  private delivered = 0;
  private lastDeliveryAt: number | undefined;

  constructor(options: SocketSamplerOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    this.tick();
  }

  health(): SourceHealth {
    const base = { name: this.name, delivered: this.delivered };
    const last = this.lastDeliveryAt !== undefined ? { lastDeliveryAt: this.lastDeliveryAt } : {};
    if (this.failure) return { ...base, ...last, state: 'failed', detail: this.failure };
    if (this.stopped) return { ...base, ...last, state: 'stopped' };
    return { ...base, ...last, state: 'following' };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (this.stopped) return;
    try {
      const time = (this.options.clock ?? Date.now)();
      const sample = sampleTables(readTables(this.options.dir), time, this.options.keep, this.options.ports);
      this.delivered++;
      this.lastDeliveryAt = time;
      this.options.onSample(sample);
    } catch (error) {
      this.failure = (error as Error).message;
      this.stopped = true;
      this.options.onError(error as Error);
      return;
    }
    this.timer = setTimeout(() => this.tick(), this.options.interval());
  }
}
