import { afterEach, describe, expect, it } from 'vitest';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { YearInference } from '../../src/parse/year-inference.js';

// Found in review: in local-time syslog, the hour that local time repeats when daylight saving ends was read as its
// first pass both times, so the log went back an hour and the detector judged the whole second pass at one instant.
describe('the hour repeated when daylight saving ends (Europe/Berlin, 2026-10-25 02:00-02:59 twice)', () => {
  const saved = process.env['TZ'];
  afterEach(() => {
    if (saved === undefined) delete process.env['TZ'];
    else process.env['TZ'] = saved;
  });

  const iso = (ms: number) => new Date(ms).toISOString();
  /** The log's clock in Europe/Berlin, the day after the switch of 2026-10-25. */
  const inBerlin = () => {
    process.env['TZ'] = 'Europe/Berlin';
    return new YearInference(Date.UTC(2026, 9, 26));
  };

  it('reads a stamp after the first pass as the second pass, and keeps the log going forward', () => {
    const years = inBerlin();
    expect(iso(years.resolve(9, 25, 2, 30, 0))).toBe('2026-10-25T00:30:00.000Z'); // first pass (CEST)
    expect(iso(years.resolve(9, 25, 2, 59, 58))).toBe('2026-10-25T00:59:58.000Z');
    expect(iso(years.resolve(9, 25, 2, 0, 1))).toBe('2026-10-25T01:00:01.000Z'); // second pass (CET)
    expect(iso(years.resolve(9, 25, 2, 45, 0))).toBe('2026-10-25T01:45:00.000Z');
    expect(iso(years.resolve(9, 25, 3, 0, 1))).toBe('2026-10-25T02:00:01.000Z');
  });

  it('keeps a line a few seconds out of order in the first pass in the first pass', () => {
    const years = inBerlin();
    years.resolve(9, 25, 2, 10, 5);
    expect(iso(years.resolve(9, 25, 2, 10, 2))).toBe('2026-10-25T00:10:02.000Z');
  });

  it('keeps a first-pass line that comes ten minutes late in the first pass, and the lines after it', () => {
    const years = inBerlin();
    years.resolve(9, 25, 2, 50, 0);
    // Read as the second pass (as before), it took the clock an hour ahead, and every first-pass line after it.
    expect(iso(years.resolve(9, 25, 2, 40, 0))).toBe('2026-10-25T00:40:00.000Z');
    expect(iso(years.resolve(9, 25, 2, 51, 0))).toBe('2026-10-25T00:51:00.000Z');
    expect(iso(years.resolve(9, 25, 2, 5, 0))).toBe('2026-10-25T01:05:00.000Z'); // then the second pass
    expect(iso(years.resolve(9, 25, 2, 55, 0))).toBe('2026-10-25T01:55:00.000Z'); // 50 minutes on, still in it
  });

  it('goes on into the second pass across a quiet quarter of an hour at the switch', () => {
    const years = inBerlin();
    years.resolve(9, 25, 2, 48, 0);
    expect(iso(years.resolve(9, 25, 2, 3, 0))).toBe('2026-10-25T01:03:00.000Z');
  });

  it('keeps a first-pass line seconds late after the switch in the first pass', () => {
    const years = inBerlin();
    years.resolve(9, 25, 2, 59, 50);
    years.resolve(9, 25, 2, 0, 10);
    expect(iso(years.resolve(9, 25, 2, 59, 59))).toBe('2026-10-25T00:59:59.000Z');
    expect(iso(years.resolve(9, 25, 2, 0, 20))).toBe('2026-10-25T01:00:20.000Z');
  });

  it('finds the switch in other zones too (America/New_York, 2026-11-01 01:00-01:59 twice)', () => {
    process.env['TZ'] = 'America/New_York';
    const years = new YearInference(Date.UTC(2026, 10, 2));
    years.resolve(10, 1, 1, 40, 0);
    expect(iso(years.resolve(10, 1, 1, 31, 0))).toBe('2026-11-01T05:31:00.000Z'); // nine minutes late: first pass
    expect(iso(years.resolve(10, 1, 1, 2, 0))).toBe('2026-11-01T06:02:00.000Z');
    expect(iso(years.resolve(10, 1, 1, 50, 0))).toBe('2026-11-01T06:50:00.000Z');
  });

  it('reads the bare form (a year, no zone) by the same rule, through the parser', () => {
    process.env['TZ'] = 'Europe/Berlin';
    const parser = new SshdParser({ referenceTime: Date.UTC(2026, 9, 26) });
    const at = (stamp: string, pid: number) =>
      iso(parser.parseLine(`${stamp} sshd[${pid}]: Failed password for root from 192.0.2.7 port 4711 ssh2`)!.time);
    expect(at('2026-10-25 02:59:58', 1)).toBe('2026-10-25T00:59:58.000Z');
    expect(at('2026-10-25 02:00:01', 2)).toBe('2026-10-25T01:00:01.000Z'); // read as the first pass until now
    expect(at('2026-10-25 02:45:00', 3)).toBe('2026-10-25T01:45:00.000Z');
    expect(at('2026-10-25 02:40:00', 4)).toBe('2026-10-25T01:40:00.000Z');
  });
});
