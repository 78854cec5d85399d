import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SocketRow, SocketSample } from '../core/socket.js';
import { parseProcNetTcp } from '../parse/proc-net-tcp.js';
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

/** One sample: the rows that `keep` accepts, from both tables, stamped with `time`. */
export function sampleTables(tables: RawTables, time: number, keep: (row: SocketRow) => boolean): SocketSample {
  const rows = [...parseProcNetTcp(tables.tcp, 4).rows, ...parseProcNetTcp(tables.tcp6, 6).rows].filter(keep);
  return { time, rows };
}

export interface SocketSamplerOptions {
  readonly dir: string;
  /** Rows passed on (connections to sshd's ports); the rest of a busy host's table is dropped at once. */
  readonly keep: (row: SocketRow) => boolean;
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
      const sample = sampleTables(readTables(this.options.dir), time, this.options.keep);
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
