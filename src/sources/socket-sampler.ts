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
 * Which rows a sample decodes, judged from the table's text before decoding anything: on a busy host nearly every
 * row is someone else's, and decoding 50,000 rows to keep 50 is what made a sample cost a quarter of a second.
 */
export interface RowSelection {
  /** Local ports whose connections are always decoded (sshd's). */
  readonly ports: ReadonlySet<number>;
  /**
   * Also what the lateral-movement alerts follow: listening sockets (they tell which ports this host serves) and
   * every connection but root's that a listener of root's accepts (a web server's thousands): the rows the alerts
   * take as inbound whatever else the sample holds (outbound-tracker.ts), so skipping them changes no decision.
   */
  readonly outbound: boolean;
}

/** The uid the kernel prints for root's sockets. */
const ROOT = 0;

/** The kernel's code for LISTEN in the `st` column. */
const LISTEN_CODE = 0x0a;

/** The value of `digits` hex digits at `at`, or -1 when one of them is not a hex digit. */
function hexAt(text: string, at: number, digits: number): number {
  let value = 0;
  for (let i = at; i < at + digits; i++) {
    const c = text.charCodeAt(i) | 0x20; // lower case; digits are unchanged
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * A row's local port, remote port and state, read where they stand (after the local and the remote address's colons,
 * whose places are kept too) without decoding the row or making a string: the whole table goes through here, twice,
 * at every sample.
 */
const keys = { port: -1, remotePort: -1, state: -1, local: -1, remote: -1 };
function readKeys(text: string, start: number, end: number): boolean {
  const local = text.indexOf(':', text.indexOf(':', start) + 1);
  if (local < 0 || local + 5 > end) return false;
  const remote = text.indexOf(':', local + 1);
  if (remote < 0 || remote + 8 > end) return false;
  keys.port = hexAt(text, local + 1, 4);
  keys.remotePort = hexAt(text, remote + 1, 4);
  keys.state = hexAt(text, remote + 6, 2);
  keys.local = local;
  keys.remote = remote;
  return keys.port >= 0 && keys.remotePort >= 0 && keys.state >= 0;
}

/** A row's local port, read from its digits without decoding the row; -1 for a header or a malformed line. */
export function localPortOf(line: string): number {
  return readKeys(line, 0, line.length) ? keys.port : -1;
}

/** Whether the `digits` hex digits at `at` in `text` are `hex`'s, in either case. */
function sameHex(text: string, at: number, hex: string): boolean {
  for (let i = 0; i < hex.length; i++)
    if ((text.charCodeAt(at + i) | 0x20) !== (hex.charCodeAt(i) | 0x20)) return false;
  return true;
}

/** The uid of a row whose remote port's colon is at `remote`: the fourth field after the state. -1 if none. */
function uidAt(text: string, remote: number, end: number): number {
  // Where the kernel's `%5u` puts a one-digit uid, root's above all: most rows read here are.
  const digit = text.charCodeAt(remote + 52) - 0x30;
  if (digit >= 0 && digit <= 9 && text.charCodeAt(remote + 51) === 0x20 && text.charCodeAt(remote + 53) === 0x20) {
    if (text.charCodeAt(remote + 47) === 0x20 && text.charCodeAt(remote + 38) === 0x20) return digit;
  }
  let at = remote + 8;
  for (let field = 0; field < 4; field++) {
    while (at < end && text.charCodeAt(at) === 0x20) at++;
    if (field === 3) break;
    while (at < end && text.charCodeAt(at) !== 0x20) at++;
  }
  let uid = 0;
  const from = at;
  for (; at < end; at++) {
    const c = text.charCodeAt(at);
    if (c === 0x20) break;
    if (c < 0x30 || c > 0x39) return -1;
    uid = uid * 10 + c - 0x30;
  }
  return at > from ? uid : -1;
}

/** Whether the row whose local address starts at `at` is root's and on one of `addresses` (or any, for `any`). */
function rootAccepts(text: string, at: number, addresses: readonly string[], any: string, end: number): boolean {
  let covered = false;
  for (const hex of addresses) if (hex === any || sameHex(text, at, hex)) covered = true;
  return covered && uidAt(text, keys.remote, end) === ROOT;
}

/** The rows of both tables that `selection` asks for, decoded. */
export function selectRows(tables: RawTables, selection: RowSelection): SocketRow[] {
  const both = [
    [tables.tcp, 4],
    [tables.tcp6, 6],
  ] as const;
  // Root's listeners of each table, by port: the local addresses (hex, as the table has them) they accept on. Only
  // rows that decode count, as in Listeners, so a malformed line cannot hide a port's connections.
  const rootListeners = [new Map<number, string[]>(), new Map<number, string[]>()];
  if (selection.outbound) {
    both.forEach(([text, family], table) => {
      forEachRow(text, (start, end) => {
        if (!readKeys(text, start, end) || keys.state !== LISTEN_CODE) return;
        const row = parseProcNetTcpRow(text.slice(start, end).trimStart(), family);
        if (!row || row.uid !== ROOT) return;
        const hex = text.slice(keys.local - (family === 4 ? 8 : 32), keys.local);
        const addresses = rootListeners[table]!.get(row.localPort);
        if (addresses) addresses.push(hex);
        else rootListeners[table]!.set(row.localPort, [hex]);
      });
    });
  }
  const rows: SocketRow[] = [];
  both.forEach(([text, family], table) => {
    const width = family === 4 ? 8 : 32;
    const any = '0'.repeat(width);
    forEachRow(text, (start, end) => {
      if (!readKeys(text, start, end)) return;
      let take = selection.ports.has(keys.port);
      if (!take && selection.outbound) {
        // A connection of root's on an address:port a listener of root's accepts on is inbound (Listeners.accepts).
        const addresses = keys.state === LISTEN_CODE ? undefined : rootListeners[table]!.get(keys.port);
        take = addresses === undefined || !rootAccepts(text, keys.local - width, addresses, any, end);
      }
      if (!take) return;
      const row = parseProcNetTcpRow(text.slice(start, end).trimStart(), family);
      if (row) rows.push(row);
    });
  });
  return rows;
}

function forEachRow(text: string, visit: (start: number, end: number) => void): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    visit(start, end);
    start = end + 1;
  }
}

/** One sample: the rows that `keep` accepts (of those `selection` decodes, when given), stamped with `time`. */
export function sampleTables(
  tables: RawTables,
  time: number,
  keep: (row: SocketRow) => boolean,
  selection?: RowSelection,
): SocketSample {
  const all = selection
    ? selectRows(tables, selection)
    : [...parseProcNetTcp(tables.tcp, 4).rows, ...parseProcNetTcp(tables.tcp6, 6).rows];
  return { time, rows: all.filter(keep) };
}

export interface SocketSamplerOptions {
  readonly dir: string;
  /** Rows passed on, of those decoded. */
  readonly keep: (row: SocketRow) => boolean;
  /** Rows worth decoding; the others are skipped unread. All rows when absent. */
  readonly select?: RowSelection;
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
      const sample = sampleTables(readTables(this.options.dir), time, this.options.keep, this.options.select);
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
