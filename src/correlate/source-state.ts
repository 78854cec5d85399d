/**
 * What the detector remembers about one remote address: numbers and three short histories (attempt times, name
 * hashes, intervals between visits; no attacker text: usernames are kept as hashes). The numbers live in typed arrays, one fixed-size record per source (SourceRecords),
 * not in a JS object each: with 100,000 sources tracked, objects cost ~500 bytes apiece and every one of them was
 * traced by each full garbage collection; a record is ~260 bytes the collector never looks into (bench/memory.mjs).
 * A SourceState is the view of one record, with the fields as properties, so the signals read like plain objects.
 * Where each field and history sits in a record is source-record-layout.ts.
 */
import { grown } from '../core/grown.js';
import {
  F_STRIDE,
  F_TIMES,
  F64_FIELDS,
  GAP_CAP,
  I_GAPS,
  I_GAPS_LEN,
  I_NAMES,
  I_NAMES_LEN,
  I_STRIDE,
  I_TIMES_LEN,
  I32_FIELDS,
  MAX_GAPS,
  MAX_NAMES,
  MAX_TIMES,
  type NumericField,
} from './source-record-layout.js';

const F_LAST = F64_FIELDS.indexOf('last');

/**
 * Fixed-size records in two growable typed arrays, with freed slots reused; beside them, by slot, each source's
 * address and campaign (strings shared with the rest of the detector) and whether it is known to be no member.
 */
export class SourceRecords {
  f64: Float64Array;
  i32: Int32Array;
  /** The same bytes as i32, for the username hashes (unsigned 32-bit). */
  u32: Uint32Array;
  readonly ips: string[] = [];
  readonly campaigns: string[] = [];
  notMember: Uint8Array;
  private capacity: number;
  private used = 0;
  private readonly free: number[] = [];

  constructor(
    initial: number,
    /** Slots ever needed at once (the table's cap): growth stops there instead of doubling past it. */
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {
    this.capacity = Math.max(1, Math.min(initial, limit));
    this.f64 = new Float64Array(this.capacity * F_STRIDE);
    this.i32 = new Int32Array(this.capacity * I_STRIDE);
    this.u32 = new Uint32Array(this.i32.buffer);
    this.notMember = new Uint8Array(this.capacity);
  }

  /** A new source first seen at `time`, in a fresh or reused slot. */
  create(ip: string, time: number): SourceState {
    const slot = this.free.pop() ?? this.next();
    this.f64.fill(-1, slot * F_STRIDE, (slot + 1) * F_STRIDE);
    this.i32.fill(0, slot * I_STRIDE, (slot + 1) * I_STRIDE);
    this.ips[slot] = ip;
    this.campaigns[slot] = '';
    this.notMember[slot] = 0;
    const source = new SourceState(this, slot, ip);
    source.first = time;
    source.last = time;
    source.rhythm = -1;
    source.surgeMinute = -1;
    return source;
  }

  /** The `last` field of the record in `slot`, without a view (the eviction queue asks it of the oldest sources). */
  lastSeen(slot: number): number {
    return this.f64[slot * F_STRIDE + F_LAST]!;
  }

  /** A view of the record in `slot`. */
  view(slot: number): SourceState {
    return new SourceState(this, slot, this.ips[slot]!);
  }

  /** The slot of an evicted source, for reuse. Its views must not be used again. */
  release(slot: number): void {
    this.ips[slot] = '';
    this.campaigns[slot] = '';
    this.free.push(slot);
  }

  private next(): number {
    if (this.used === this.capacity) {
      this.capacity = Math.min(this.capacity * 2, Math.max(this.limit, this.capacity + 1));
      this.f64 = grown(this.f64, this.capacity * F_STRIDE);
      this.i32 = grown(this.i32, this.capacity * I_STRIDE);
      this.u32 = new Uint32Array(this.i32.buffer);
      this.notMember = grown(this.notMember, this.capacity);
    }
    return this.used++;
  }
}

/**
 * A view of one source's record: each numeric field is a property that reads and writes the record (defined below
 * from the field lists of source-record-layout.ts, which say what each field means), and so are `campaign` and
 * `notMember`. Views are made when a source is asked for and let go: kept for each of 100,000 sources they were
 * 5.8 MB of the detector's live heap (its peak on bench/replay.mjs's log fell by 3.4 MB without them). Two views of
 * one slot are the same source: compare slots (or addresses), not views.
 */
export interface SourceState extends Record<NumericField, number> {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface declares the accessors defined below.
export class SourceState {
  constructor(
    readonly r: SourceRecords,
    readonly slot: number,
    readonly ip: string,
  ) {}

  /** Campaign this source was made a member of ('' for none). */
  get campaign(): string {
    return this.r.campaigns[this.slot]!;
  }
  set campaign(id: string) {
    this.r.campaigns[this.slot] = id;
  }
  /**
   * No live campaign lists the source among its members (checked since `campaign` was last cleared): spares a look
   * into every live campaign's member list for each event of a source that never joined one. Not in snapshots.
   */
  get notMember(): boolean {
    return this.r.notMember[this.slot] === 1;
  }
  set notMember(value: boolean) {
    this.r.notMember[this.slot] = value ? 1 : 0;
  }

  /** The last few distinct attempt times, oldest first (rhythm): a copy. */
  get times(): number[] {
    return this.copyTimes([]);
  }
  set times(list: readonly number[]) {
    const kept = list.slice(-MAX_TIMES);
    this.r.f64.set(kept, this.slot * F_STRIDE + F_TIMES);
    this.r.i32[this.slot * I_STRIDE + I_TIMES_LEN] = kept.length;
  }
  /** The attempt times, oldest first, into `into` (emptied first): the copy without an allocation. */
  copyTimes(into: number[]): number[] {
    into.length = 0;
    const at = this.slot * F_STRIDE + F_TIMES;
    for (let i = 0; i < this.timeCount; i++) into.push(this.r.f64[at + i]!);
    return into;
  }
  get timeCount(): number {
    return this.r.i32[this.slot * I_STRIDE + I_TIMES_LEN]!;
  }
  /** The latest attempt time, or -1 when there is none. */
  lastTime(): number {
    const n = this.timeCount;
    return n === 0 ? -1 : this.r.f64[this.slot * F_STRIDE + F_TIMES + n - 1]!;
  }
  /** Appends an attempt time, the oldest dropped beyond MAX_TIMES. */
  addTime(time: number): void {
    addCapped(
      this.r.f64,
      this.slot * F_STRIDE + F_TIMES,
      this.r.i32,
      this.slot * I_STRIDE + I_TIMES_LEN,
      MAX_TIMES,
      time,
    );
  }

  /** The last few distinct username hashes tried, oldest first (dictionary): a copy. */
  get names(): number[] {
    const at = this.slot * I_STRIDE + I_NAMES;
    return Array.from(this.r.u32.subarray(at, at + this.nameCount));
  }
  set names(list: readonly number[]) {
    const kept = list.slice(-MAX_NAMES);
    this.r.u32.set(kept, this.slot * I_STRIDE + I_NAMES);
    this.r.i32[this.slot * I_STRIDE + I_NAMES_LEN] = kept.length;
  }
  get nameCount(): number {
    return this.r.i32[this.slot * I_STRIDE + I_NAMES_LEN]!;
  }
  /** The i-th name hash kept, oldest first (0 <= i < nameCount). */
  nameAt(i: number): number {
    return this.r.u32[this.slot * I_STRIDE + I_NAMES + i]!;
  }
  hasName(hash: number): boolean {
    const at = this.slot * I_STRIDE + I_NAMES;
    const n = this.nameCount;
    for (let i = 0; i < n; i++) if (this.r.u32[at + i] === hash) return true;
    return false;
  }
  /** Appends a name hash, the oldest dropped beyond MAX_NAMES. */
  addName(hash: number): void {
    addCapped(
      this.r.u32,
      this.slot * I_STRIDE + I_NAMES,
      this.r.i32,
      this.slot * I_STRIDE + I_NAMES_LEN,
      MAX_NAMES,
      hash,
    );
  }

  /** The last few intervals between visits (ms), oldest first: a copy. */
  get gaps(): number[] {
    return this.copyGaps([]);
  }
  set gaps(list: readonly number[]) {
    const kept = list.slice(-MAX_GAPS).map((gap) => Math.min(gap, GAP_CAP));
    this.r.i32.set(kept, this.slot * I_STRIDE + I_GAPS);
    this.r.i32[this.slot * I_STRIDE + I_GAPS_LEN] = kept.length;
  }
  /** The intervals, oldest first, into `into` (emptied first): the copy without an allocation. */
  copyGaps(into: number[]): number[] {
    into.length = 0;
    const at = this.slot * I_STRIDE + I_GAPS;
    const n = this.gapCount;
    for (let i = 0; i < n; i++) into.push(this.r.i32[at + i]!);
    return into;
  }
  get gapCount(): number {
    return this.r.i32[this.slot * I_STRIDE + I_GAPS_LEN]!;
  }
  /** Appends an interval between two visits (capped at ~24.8 days), the oldest dropped beyond MAX_GAPS. */
  addGap(gap: number): void {
    addCapped(
      this.r.i32,
      this.slot * I_STRIDE + I_GAPS,
      this.r.i32,
      this.slot * I_STRIDE + I_GAPS_LEN,
      MAX_GAPS,
      Math.min(gap, GAP_CAP),
    );
  }
}

F64_FIELDS.forEach((name, i) => {
  Object.defineProperty(SourceState.prototype, name, {
    get(this: SourceState): number {
      return this.r.f64[this.slot * F_STRIDE + i]!;
    },
    set(this: SourceState, value: number) {
      this.r.f64[this.slot * F_STRIDE + i] = value;
    },
  });
});
I32_FIELDS.forEach((name, i) => {
  Object.defineProperty(SourceState.prototype, name, {
    get(this: SourceState): number {
      return this.r.i32[this.slot * I_STRIDE + i]!;
    },
    set(this: SourceState, value: number) {
      this.r.i32[this.slot * I_STRIDE + i] = value;
    },
  });
});

/** `value` appended to the list of `len[lenAt]` entries at `list[at]`, shifting out the oldest once `max` are held. */
function addCapped(
  list: Float64Array | Uint32Array | Int32Array,
  at: number,
  len: Int32Array,
  lenAt: number,
  max: number,
  value: number,
): void {
  const n = len[lenAt]!;
  if (n < max) {
    list[at + n] = value;
    len[lenAt] = n + 1;
    return;
  }
  list.copyWithin(at, at + 1, at + max);
  list[at + max - 1] = value;
}

/** A source on its own (tests). */
export function newSource(ip: string, time: number): SourceState {
  return new SourceRecords(1).create(ip, time);
}

const scratch = new SourceRecords(1);
let scratchView: SourceState | undefined;

/**
 * A fresh source in one record shared by all callers: for judging an address the detector does not track (a login
 * the alerts ask about), without new arrays each time. Valid until the next call.
 */
export function scratchSource(ip: string, time: number): SourceState {
  if (scratchView !== undefined) scratch.release(scratchView.slot);
  scratchView = scratch.create(ip, time);
  return scratchView;
}
