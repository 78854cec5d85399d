import { describe, expect, it } from 'vitest';
import { SourceTable } from '../../src/correlate/source-table.js';
import { HOUR, MIN, T0 } from './helpers.js';

const ip = (i: number) => `198.51.${i >> 8}.${i & 255}`;

describe('source table', () => {
  it('evicts sources idle longer than the ttl, keeps those seen since, and reuses their records', () => {
    const table = new SourceTable(HOUR, 10_000);
    for (let i = 0; i < 100; i++) table.touch(ip(i), T0 + i * 1000);
    // Half of them act again later: they must outlive the others.
    for (let i = 0; i < 100; i += 2) table.touch(ip(i), T0 + 30 * MIN).last = T0 + 30 * MIN;
    for (let t = T0 + HOUR; t <= T0 + HOUR + 10 * MIN; t += MIN) table.expire(t);
    expect(table.size).toBe(50);
    expect(table.evicted).toBe(50);
    expect(table.get(ip(1))).toBeUndefined();
    expect(table.get(ip(2))?.last).toBe(T0 + 30 * MIN);
    for (let t = T0 + 90 * MIN; t <= T0 + 100 * MIN; t += MIN) table.expire(t);
    expect(table.size).toBe(0);
    // The last source touched before the expiry (the table keeps it at hand) comes back fresh, and tracked.
    const again = table.touch(ip(98), T0 + 2 * HOUR);
    expect([again.first, again.last, table.size]).toEqual([T0 + 2 * HOUR, T0 + 2 * HOUR, 1]);
    const fresh = table.touch(ip(1), T0 + 2 * HOUR);
    expect([fresh.first, fresh.attempts, fresh.names]).toEqual([T0 + 2 * HOUR, 0, []]);
  });

  it('never holds more than its maximum, dropping the least recently seen', () => {
    const table = new SourceTable(24 * HOUR, 100);
    for (let i = 0; i < 1000; i++) {
      const s = table.touch(ip(i), T0 + i);
      s.last = T0 + i;
      s.attempts = i;
      // One source keeps acting and is never the least recently seen.
      table.touch(ip(5000), T0 + i).last = T0 + i;
      expect(table.size).toBeLessThanOrEqual(100);
    }
    expect(table.get(ip(5000))).toBeDefined();
    expect(table.get(ip(999))?.attempts).toBe(999);
    expect(table.get(ip(0))).toBeUndefined();
  });

  it('keeps the sources it is told to keep (held bans) through a flood and past their ttl, never looping', () => {
    const kept = new Set([ip(0), ip(1)]);
    const table = new SourceTable(HOUR, 100, undefined, (a) => kept.has(a));
    for (let i = 0; i < 1000; i++) table.touch(ip(i), T0 + i).last = T0 + i;
    expect(table.size).toBeLessThanOrEqual(100);
    expect([table.get(ip(0)), table.get(ip(1))].every((s) => s !== undefined)).toBe(true);
    expect(table.get(ip(2))).toBeUndefined();
    table.expire(T0 + 2 * HOUR, 1000);
    expect(table.size).toBe(2);
    // Released, they go like any other; a table where everything is kept stops evicting instead of spinning.
    kept.clear();
    table.expire(T0 + 2 * HOUR, 1000);
    expect(table.size).toBe(0);
    const all = new SourceTable(HOUR, 100, undefined, () => true);
    for (let i = 0; i < 150; i++) all.touch(ip(i), T0 + i);
    expect(all.size).toBe(150);
  });

  it('resumes from its snapshot with the same sources and fields', () => {
    const table = new SourceTable(HOUR, 1000);
    for (let i = 0; i < 10; i++) {
      const s = table.touch(ip(i), T0 + i);
      s.attempts = i;
      s.addTime(T0 + i);
      s.addName(i * 7);
    }
    const again = new SourceTable(HOUR, 1000, JSON.parse(JSON.stringify(table.snapshot())));
    expect(again.snapshot()).toEqual(table.snapshot());
    expect(again.get(ip(3))?.names).toEqual([21]);
  });
});
