import { jsonArrayPieces } from '../core/json-pieces.js';
import { AddressSlots } from './address-slots.js';
import { ClockQueue, KEEP } from './clock-queue.js';
import { assignData, assignRow, ROW_FIELDS, type SourceData, type SourceRow, sourceRow } from './source-snapshot.js';
import { SourceRecords, type SourceState } from './source-state.js';

/** The table as snapshot rows, least recently seen first; each row with its stamp in the eviction queue. */
export interface SourceRows {
  readonly fields: readonly string[];
  readonly rows: Array<[...SourceRow, number]>;
}
/** What the table is rebuilt from: rows as any iterable (a state file's are read one at a time, as they are used). */
export interface RowsToRestore {
  readonly fields: readonly string[];
  readonly rows: Iterable<[...SourceRow, number]>;
}
/** Rows; or, in snapshots before rows, each source as plain data with its stamp (still read). */
export type SourceTableSnapshot = SourceRows | Array<[SourceData, number]>;

/**
 * Records allocated at once (32 MB of address space at most; the default max_sources, 100,000, fits): memory is
 * taken from the system a page at a time as records are first written, so room not used yet costs nothing, whereas
 * growing by doubling wrote every record again into new arrays. On the virtual machines these runs are measured on,
 * a page's first write costs ~50 µs (the host backs it then): the copies of a table grown from 4,096 to 100,000
 * records wrote ~60 MB where the records hold 25.
 */
const RESERVED_RECORDS = 1 << 17;

/**
 * Per-source state, with the least recently seen evicted first. Sources idle for longer than `ttl` are evicted a
 * few at a time on each event, and the table never holds more than `max` entries: a flood of a million addresses
 * costs at most `max` x bytes-per-source (bench/memory.mjs measures it).
 */
export class SourceTable {
  /** Address -> its record's slot. */
  private readonly map = new AddressSlots();
  private readonly records: SourceRecords;
  private readonly queue = new ClockQueue();
  private readonly lastUse = (ip: string): number | undefined => {
    const slot = this.map.get(ip);
    if (slot === undefined) return undefined;
    return this.keep(ip) ? KEEP : this.records.lastSeen(slot);
  };
  /**
   * The source last asked for or touched: half of the failures and probes on the bench come from the address of the
   * event before (the lines of one connection), and comparing two short strings is cheaper than a lookup among
   * 100,000.
   */
  private last: SourceState | undefined;
  evicted = 0;

  constructor(
    private readonly ttl: number,
    private readonly max: number,
    snapshot?: RowsToRestore | Array<[SourceData, number]>,
    /**
     * Sources not to evict for now, whatever their age: those whose ban is held (held-joins.ts), whose record the
     * judgement at the hold's end needs. A flood of new addresses must not be a way to have a held source forgotten.
     */
    private readonly keep: (ip: string) => boolean = () => false,
  ) {
    this.records = new SourceRecords(Math.min(max + 1, RESERVED_RECORDS), max + 1);
    if (snapshot !== undefined && !Array.isArray(snapshot)) {
      for (const row of snapshot.rows) {
        const state = this.records.create(row[0], 0);
        assignRow(state, snapshot.fields, row as unknown as SourceRow);
        this.map.set(row[0], state.slot);
        this.queue.push(row[0], row[3]);
      }
    }
    for (const [data, stamp] of Array.isArray(snapshot) ? snapshot : []) {
      const state = this.records.create(data.ip, data.first);
      assignData(state, data);
      this.map.set(data.ip, state.slot);
      this.queue.push(data.ip, stamp);
    }
  }

  /**
   * The state of `ip` if it is tracked. The answer is remembered as the last source (a cache, nothing observable):
   * an event's address is asked for by the alerts, then by the detector.
   */
  get(ip: string): SourceState | undefined {
    if (this.last !== undefined && this.last.ip === ip) return this.last;
    const slot = this.map.get(ip);
    if (slot === undefined) return undefined;
    this.last = this.records.view(slot);
    return this.last;
  }

  /** The state of `ip`, created if new. The caller sets `last` when the source acts. */
  touch(ip: string, time: number): SourceState {
    const state = this.get(ip);
    if (state === undefined) return this.add(ip, time);
    this.last = state;
    return state;
  }

  /**
   * The state of `ip`, which get() has just found untracked, made without looking for it again (a first contact,
   * nearly a tenth of the benchmark's events). The caller sets `last` when the source acts.
   */
  add(ip: string, time: number): SourceState {
    const state = this.records.create(ip, time);
    this.map.set(ip, state.slot);
    this.queue.push(ip, time);
    if (this.map.size > this.max) this.evict(Number.POSITIVE_INFINITY);
    this.last = state;
    return state;
  }

  /**
   * Drops sources idle since before `now - ttl`; at most `budget` per call so one event never stalls. True when it
   * stopped at the budget (more may be due at `now`).
   */
  expire(now: number, budget = 8): boolean {
    for (let i = 0; i < budget; i++) if (!this.evict(now - this.ttl)) return false;
    return true;
  }

  private evict(before: number): boolean {
    const ip = this.queue.pop(this.lastUse, before);
    if (ip === undefined) return false;
    this.drop(ip);
    this.evicted++;
    return true;
  }

  /** Forgets `ip` (its entry in the eviction queue is skipped when reached). */
  drop(ip: string): void {
    const slot = this.map.get(ip);
    if (slot === undefined) return;
    if (slot === this.last?.slot) this.last = undefined;
    this.records.release(slot);
    this.map.delete(ip);
  }

  /** The addresses tracked. */
  ips(): string[] {
    return this.records.ips.filter((ip) => ip !== '');
  }

  get size(): number {
    return this.map.size;
  }

  /**
   * snapshot() as JSON text, a row at a time in pieces of ~64 kB (for the state file; CampaignDetector.snapshotJson).
   * With `rowsApart`, the rows are left out (an empty list), for rowTexts to give one by one.
   */
  *snapshotJson(rowsApart = false): Generator<string> {
    yield `{"fields":${JSON.stringify(ROW_FIELDS)},"rows":`;
    yield* rowsApart ? ['[]'] : jsonArrayPieces(this.rows());
    yield '}';
  }

  /** Each row of snapshot() as JSON text, in its order. */
  *rowTexts(): Generator<string> {
    for (const row of this.rows()) yield JSON.stringify(row);
  }

  snapshot(): SourceRows {
    return { fields: ROW_FIELDS, rows: [...this.rows()] };
  }

  /** Each tracked source's row with its stamp in the eviction queue, least recently seen first. */
  private *rows(): Generator<[...SourceRow, number]> {
    for (const [ip, stamp] of this.queue.walk()) {
      const slot = this.map.get(ip);
      if (slot !== undefined) yield [...sourceRow(this.records.view(slot)), stamp];
    }
  }
}
