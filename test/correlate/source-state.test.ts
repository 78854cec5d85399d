import { describe, expect, it } from 'vitest';
import { MAX_NAMES, MAX_TIMES } from '../../src/correlate/source-record-layout.js';
import { assignData, sourceData } from '../../src/correlate/source-snapshot.js';
import { newSource, SourceRecords, scratchSource } from '../../src/correlate/source-state.js';
import { T0 } from './helpers.js';

describe('source records', () => {
  it('start a source with the documented defaults', () => {
    const s = newSource('203.0.113.7', T0);
    expect(sourceData(s)).toEqual({
      ip: '203.0.113.7',
      first: T0,
      last: T0,
      attempts: 0,
      unknown: 0,
      probes: 0,
      events: 0,
      syncEvents: 0,
      bursts: 0,
      lastBurst: -1,
      times: [],
      names: [],
      orderKey: -1,
      ascRun: 0,
      win: -1,
      winCount: 0,
      windows: 0,
      winMax: 0,
      rhythm: -1,
      lifetime: -1,
      surgeMinute: -1,
      attemptsAtSuccess: 0,
      campaign: '',
      bannedAt: -1,
      learned: 0,
      slipped: 0,
      visit: -1,
      visitConn: -1,
      gaps: [],
      predictable: 0,
    });
  });

  it('keep the last attempt times and names, oldest first, and a name hash as unsigned', () => {
    const s = newSource('203.0.113.7', T0);
    for (let i = 1; i <= MAX_TIMES + 3; i++) s.addTime(T0 + i);
    expect(s.times).toEqual(Array.from({ length: MAX_TIMES }, (_, i) => T0 + 4 + i));
    expect(s.lastTime()).toBe(T0 + MAX_TIMES + 3);
    const hashes = Array.from({ length: MAX_NAMES + 2 }, (_, i) => 0xffff_fff0 + i);
    for (const h of hashes) s.addName(h);
    expect(s.names).toEqual(hashes.slice(2));
    expect(s.hasName(0xffff_fff0)).toBe(false);
    expect(s.hasName(0xffff_fff0 + MAX_NAMES + 1)).toBe(true);
    expect(s.nameAt(0)).toBe(0xffff_fff2);
  });

  it('keep every record through growth, and give a reused slot a fresh record', () => {
    const records = new SourceRecords(2);
    const sources = Array.from({ length: 3000 }, (_, i) => records.create(`10.0.${i >> 8}.${i & 255}`, T0 + i));
    sources.forEach((s, i) => {
      s.attempts = i;
      s.bannedAt = T0 + 2 * i;
      s.addName(i);
      s.campaign = `c${i}`;
      s.notMember = i % 2 === 1;
    });
    sources.forEach((s, i) => {
      // A view made now reads what the views made at creation wrote.
      const again = records.view(s.slot);
      expect([again.ip, again.first, again.attempts, again.bannedAt, again.names, again.campaign]).toEqual([
        s.ip,
        T0 + i,
        i,
        T0 + 2 * i,
        [i],
        `c${i}`,
      ]);
      expect(again.notMember).toBe(i % 2 === 1);
    });
    records.release(sources[5]!.slot);
    const reused = records.create('198.51.100.1', T0);
    expect(reused.slot).toBe(5);
    expect(sourceData(reused)).toEqual(sourceData(newSource('198.51.100.1', T0)));
    expect(reused.notMember).toBe(false);
    expect(sources[6]!.attempts).toBe(6);
  });

  it('round-trip through plain data (what snapshots kept before rows)', () => {
    const s = newSource('2001:db8::1', T0);
    s.attempts = 7;
    s.unknown = 3;
    s.addTime(T0 + 5);
    s.addName(42);
    s.win = 4_800_000_123;
    s.lifetime = 45_000;
    s.campaign = 'c9';
    const copy = new SourceRecords(1).create('2001:db8::1', 0);
    assignData(copy, sourceData(s));
    expect(sourceData(copy)).toEqual(sourceData(s));
  });
});

describe('scratch source', () => {
  it('is fresh on each call and reuses one record', () => {
    const a = scratchSource('203.0.113.1', T0);
    a.attempts = 9;
    a.addName(7);
    const b = scratchSource('203.0.113.2', T0 + 1);
    expect(sourceData(b)).toEqual(sourceData(newSource('203.0.113.2', T0 + 1)));
    expect(b.slot).toBe(a.slot);
  });
});

describe('slip keys', () => {
  it('tie a name to its one-slip neighbours (swap, missing, extra, wrong letter) and to nothing further', async () => {
    const { slipKeys } = await import('../../src/correlate/name-key.js');
    const near = (a: string, b: string) => slipKeys(a).some((k) => slipKeys(b).includes(k));
    for (const slip of ['sevn', 'svne', 'ven', 'svenn', 'sxen', 'sven']) expect(near('sven', slip), slip).toBe(true);
    for (const other of ['admin', 'root', 'nevs', 'sv', 'svenja']) expect(near('sven', other), other).toBe(false);
    expect(slipKeys('x'.repeat(33))).toEqual([]);
  });
});
