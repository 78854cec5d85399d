import { describe, expect, it } from 'vitest';
import { MAX_NAMES, MAX_TIMES } from '../../src/correlate/source-record-layout.js';
import { assignRow, ROW_FIELDS, sourceData, sourceRow } from '../../src/correlate/source-snapshot.js';
import { SourceRecords } from '../../src/correlate/source-state.js';
import { T0 } from './helpers.js';

describe('source rows (what a snapshot keeps)', () => {
  /** A source with every history and a few fields away from their defaults. */
  function busy() {
    const s = new SourceRecords(1).create('198.51.100.9', T0);
    for (let i = 0; i < MAX_TIMES + 2; i++) s.addTime(T0 + i);
    for (let i = 0; i < MAX_NAMES + 1; i++) s.addName(0xffff_fff0 + i);
    s.addGap(60_000);
    s.addGap(61_000);
    s.attempts = 7;
    s.win = 4_800_000_123;
    s.campaign = 'c3';
    return s;
  }

  it('read back as the same source', () => {
    const s = busy();
    const copy = new SourceRecords(1).create(s.ip, 0);
    assignRow(copy, ROW_FIELDS, sourceRow(s));
    expect(sourceData(copy)).toEqual(sourceData(s));
  });

  it('written by a version with other fields still read: unknown ones skipped, missing ones at their defaults', () => {
    const s = busy();
    const [ip, campaign, numbers] = sourceRow(s);
    // An older version: no `predictable` field (the last one), a field since removed, and no interval history.
    const fields = ROW_FIELDS.filter((f) => f !== 'predictable');
    const values = fields.map((f) => numbers[ROW_FIELDS.indexOf(f)]!);
    const histories = numbers.slice(ROW_FIELDS.length);
    const timesAndNames = histories.slice(0, 1 + histories[0]! + 1 + histories[1 + histories[0]!]!);
    const old = [...values, 99, ...timesAndNames];
    const copy = new SourceRecords(1).create(ip, 0);
    copy.predictable = 1;
    assignRow(copy, [...fields, 'removedField'], [ip, campaign, old]);
    expect(sourceData(copy)).toEqual({ ...sourceData(s), gaps: [], predictable: 1 });
  });

  it('cost a fraction of plain data in JSON', () => {
    const s = busy();
    expect(JSON.stringify(sourceRow(s)).length).toBeLessThan(0.6 * JSON.stringify(sourceData(s)).length);
  });
});
