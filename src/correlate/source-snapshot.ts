import { F64_FIELDS, I32_FIELDS, type NumericField } from './source-record-layout.js';
import type { SourceState } from './source-state.js';

/**
 * How a source is written into a snapshot and read back: as a row (what snapshots hold), or as plain data (what they
 * held before rows, still read, and the readable form tests compare).
 */

/** A source as plain data: what snapshots kept before rows (the same fields as when sources were plain objects). */
export type SourceData = Record<NumericField, number> & {
  ip: string;
  times: number[];
  names: number[];
  /** Absent in snapshots older than the interval history (the history then starts empty). */
  gaps?: number[];
  campaign: string;
};

/**
 * A source as a snapshot row: its address, its campaign, and one list of numbers: the values of ROW_FIELDS in that
 * order, then each history (attempt times, name hashes, intervals) as its length and its values. A list of numbers
 * costs ~0.3 kB of heap and ~0.2 kB of JSON where SourceData cost ~2 kB and ~0.46 kB: the state save of 100,000
 * sources built 213 MB of such objects (the service's RSS reached 0.6 GB under a flood, bench/memory.mjs).
 */
export type SourceRow = [ip: string, campaign: string, numbers: number[]];
/** The numeric fields in a row's order; a snapshot names them, so a row written before a field existed still reads. */
export const ROW_FIELDS: readonly string[] = [...F64_FIELDS, ...I32_FIELDS];
const ROW_FIELD_SET: ReadonlySet<string> = new Set(ROW_FIELDS);

/** The source as plain data. */
export function sourceData(source: SourceState): SourceData {
  const data = {
    ip: source.ip,
    times: source.times,
    names: source.names,
    gaps: source.gaps,
    campaign: source.campaign,
  } as SourceData;
  for (const name of F64_FIELDS) data[name] = source[name];
  for (const name of I32_FIELDS) data[name] = source[name];
  return data;
}

/** Gives `source` every field of `data` except the address, which the view was made with. */
export function assignData(source: SourceState, data: SourceData): void {
  const { ip: _ip, ...fields } = data;
  Object.assign(source, fields);
}

/** The source as a snapshot row. */
export function sourceRow(source: SourceState): SourceRow {
  const numbers: number[] = [];
  for (const name of F64_FIELDS) numbers.push(source[name]);
  for (const name of I32_FIELDS) numbers.push(source[name]);
  for (const list of [source.times, source.names, source.gaps]) numbers.push(list.length, ...list);
  return [source.ip, source.campaign, numbers];
}

/**
 * Gives `source` a row's fields (`fields`: the names its snapshot gave, in its order; unknown names are skipped,
 * fields it lacks keep their values) and histories. A history longer than this version keeps keeps its newest values.
 */
export function assignRow(source: SourceState, fields: readonly string[], row: SourceRow): void {
  const numbers = row[2];
  source.campaign = row[1];
  fields.forEach((name, i) => {
    if (ROW_FIELD_SET.has(name)) (source as unknown as Record<string, number>)[name] = numbers[i] ?? -1;
  });
  let at = fields.length;
  const history = (): number[] => {
    const n = numbers[at] ?? 0;
    const list = numbers.slice(at + 1, at + 1 + n);
    at += 1 + n;
    return list;
  };
  source.times = history();
  source.names = history();
  source.gaps = history();
}
