import { afterEach, describe, expect, it } from 'vitest';
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

  it('reads a stamp after the first pass as the second pass, and keeps the log going forward', () => {
    process.env['TZ'] = 'Europe/Berlin';
    const years = new YearInference(Date.UTC(2026, 9, 26));
    expect(iso(years.resolve(9, 25, 2, 30, 0))).toBe('2026-10-25T00:30:00.000Z'); // first pass (CEST)
    expect(iso(years.resolve(9, 25, 2, 59, 58))).toBe('2026-10-25T00:59:58.000Z');
    expect(iso(years.resolve(9, 25, 2, 0, 1))).toBe('2026-10-25T01:00:01.000Z'); // second pass (CET)
    expect(iso(years.resolve(9, 25, 2, 45, 0))).toBe('2026-10-25T01:45:00.000Z');
    expect(iso(years.resolve(9, 25, 3, 0, 1))).toBe('2026-10-25T02:00:01.000Z');
  });

  it('keeps a line a few seconds out of order in the first pass in the first pass', () => {
    process.env['TZ'] = 'Europe/Berlin';
    const years = new YearInference(Date.UTC(2026, 9, 26));
    years.resolve(9, 25, 2, 10, 5);
    expect(iso(years.resolve(9, 25, 2, 10, 2))).toBe('2026-10-25T00:10:02.000Z');
  });
});
