import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeaderReader, readProgram } from '../../src/parse/syslog-header.js';
import { YearInference } from '../../src/parse/year-inference.js';

const STAMP = 'Feb 15 14:23:12 ';

// Hosts and program parts built from the pieces that decide between the hand-read form and the expression:
// `sshd` prefixes, brackets, colons, digits, and white space other than the plain space.
const piece = fc.constantFrom(
  'web1',
  'sshd',
  '[sshd]',
  'sshd-session',
  'sshd[',
  '[',
  ']',
  ':',
  ' ',
  '\t',
  '\u00a0',
  '\u3000',
  '0',
  '42',
  '4242',
  '1234567890',
  'x',
  '',
);
const token = fc.array(piece, { maxLength: 5 }).map((parts) => parts.join(''));
const rest = fc
  .tuple(token, fc.constantFrom(' sshd[', ' sshd', ' ', ''), token, fc.constantFrom(']: ', '] ', ']:', ': ', ''), token)
  .map((parts) => `${parts.join('')}Failed password for root from 203.0.113.9 port 22 ssh2`);

describe('syslog header', () => {
  it('reads `<host> sshd[<pid>]: ` by hand exactly as the program expression reads it', () => {
    // One reader for all runs: its remembered host must never leak into a later line.
    const reader = new HeaderReader(new YearInference(Date.UTC(2026, 5, 1)));
    const time = reader.read(`${STAMP}web1 sshd[1]: x`)!.time;
    fc.assert(
      fc.property(rest, (text) => {
        const line = STAMP + text;
        expect(reader.read(line)).toEqual(readProgram(line, STAMP.length, time));
      }),
      { numRuns: 20_000 },
    );
  });

  it("gives each line its own stamp's time, whatever form and stamp the line before had", () => {
    // The reader keeps the last `<stamp> <host> sshd[` it read by hand (from the second line of a stamp on): a
    // line of another form (no host) with another stamp comes between lines with the first stamp.
    const reader = new HeaderReader(new YearInference(Date.UTC(2026, 5, 1)));
    const a = reader.read('Feb 15 14:23:12 web1 sshd[1]: m')!.time;
    expect(reader.read('Feb 15 14:23:12 web1 sshd[1]: m')!.time).toBe(a);
    expect(reader.read('Feb 15 14:23:13 sshd[2]: m')!.time - a).toBe(1000);
    expect(reader.read('Feb 15 14:23:12 web1 sshd[3]: m')).toMatchObject({ time: a, host: 'web1', pid: 3 });
    expect(reader.read('Feb 15 14:23:12 web2 sshd[4]: m')).toMatchObject({ time: a, host: 'web2', pid: 4 });
    expect(reader.read('Feb 15 14:23:12 web1 sshd[5]: m')).toMatchObject({ time: a, host: 'web1', pid: 5 });
  });

  it('does so for RFC 3339 stamps too, repeated or new on every line', () => {
    const reader = new HeaderReader(new YearInference(Date.UTC(2026, 5, 1)));
    const a = '2026-02-15T14:23:12.000001+01:00';
    const b = '2026-02-15T14:23:12.000002+01:00';
    const time = Date.parse('2026-02-15T14:23:12.000+01:00');
    for (const [stamp, host, pid] of [
      [a, 'web1', 1],
      [a, 'web1', 2],
      [a, 'web2', 3],
      [b, 'web1', 4],
      [a, 'web1', 5],
      [a, 'web1', 6],
    ] as const) {
      expect(reader.read(`${stamp} ${host} sshd[${pid}]: m`)).toMatchObject({ time, host, pid, message: 'm' });
    }
  });

  it('still knows the forms the hand-read path leaves to the expression', () => {
    const reader = new HeaderReader(new YearInference(Date.UTC(2026, 5, 1)));
    const read = (text: string) => reader.read(STAMP + text);
    expect(read('web1 sshd[4242]: m')).toMatchObject({ host: 'web1', program: 'sshd', pid: 4242, message: 'm' });
    expect(read('web1 sshd-session[7]: m')).toMatchObject({ host: 'web1', program: 'sshd-session', pid: 7 });
    expect(read('sshd[7]: m')).toMatchObject({ host: undefined, program: 'sshd', pid: 7, message: 'm' });
    expect(read('web1 [sshd]: m')).toMatchObject({ host: 'web1', program: 'sshd', pid: undefined });
    expect(read('web1 sshd[12345678901]: m')).toMatchObject({ pid: 12345678901 });
    expect(read('web1 sshd[7]x m')).toBeNull();
    expect(read('web\t1 sshd[7]: m')).toBeNull();
  });
});
