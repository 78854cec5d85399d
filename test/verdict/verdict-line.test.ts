import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { formatVerdictLine, isBare, parseVerdictLine, restampVerdictLine } from '../../src/verdict/verdict-line.js';

const T = Date.UTC(2026, 1, 15, 14, 23, 12, 7);

describe('verdict line', () => {
  it('follows the documented grammar', () => {
    const line = formatVerdictLine(
      banVerdict(T, '203.0.113.7', 'c-202602151400-1', 'rhythm+dictionary', [['members', 12]]),
      4242,
    );
    expect(line).toBe(
      '2026-02-15T14:23:12.007Z f2b-campaign[4242]: BAN ip=203.0.113.7 campaign=c-202602151400-1 reason=rhythm+dictionary members=12',
    );
  });

  it('quotes and escapes attacker text so the line stays one line of printable ASCII', () => {
    const user = 'x" ip=10.0.0.1 campaign=evil\n\u0007\\é';
    const line = formatVerdictLine(
      {
        time: T,
        verb: 'ALERT',
        fields: [
          ['kind', 'compromise'],
          ['user', user],
        ],
      },
      1,
    );
    expect(line).toBe(
      '2026-02-15T14:23:12.007Z f2b-campaign[1]: ALERT kind=compromise user="x\\" ip=10.0.0.1 campaign=evil\\x0a\\x07\\\\\\xc3\\xa9"',
    );
    expect(parseVerdictLine(line)?.fields.get('user')).toBe(user);
  });

  it('prints a value bare exactly when it is one or more of [A-Za-z0-9._:/+,@%-]', () => {
    const bare = /^[A-Za-z0-9._:/+,@%-]+$/;
    const chars = fc.constantFrom(...'azAZ09._:/+,@%-"\\ =\n\u0000\u007f\u00e9\u2603`[]{}|!?#$&*()~^\'<>;'.split(''));
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: chars, maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 })),
        (text) => {
          expect(isBare(text)).toBe(bare.test(text));
        },
      ),
      { numRuns: 20_000 },
    );
    for (let c = 0; c < 0x10000; c++) expect(isBare(String.fromCharCode(c))).toBe(bare.test(String.fromCharCode(c)));
  });

  it('escapes a value after a key whose last value printed bare, and a bare one after an escaped one', () => {
    const user = (u: string) =>
      formatVerdictLine({ time: T, verb: 'ALERT', fields: [['user', u]] }, 1).slice(
        '2026-02-15T14:23:12.007Z f2b-campaign[1]: ALERT '.length,
      );
    expect(user('deploy')).toBe('user=deploy');
    expect(user('deploy')).toBe('user=deploy');
    expect(user('deploy x')).toBe('user="deploy x"');
    expect(user('deplo')).toBe('user=deplo');
    expect(user('')).toBe('user=""');
    expect(user('x'.repeat(300))).toBe(`user="${'x'.repeat(256)}...(cut)"`);
    expect(user('deplo')).toBe('user=deplo');
  });

  it('refuses keys that are not identifiers', () => {
    expect(() => formatVerdictLine({ time: T, verb: 'ALERT', fields: [['ip=1.2.3.4 x', 1]] }, 1)).toThrow(/identifier/);
  });

  it('round-trips any value and never lets it reach the fixed BAN prefix', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.string({ unit: 'binary', maxLength: 200 }), (ip, text) => {
        const line = formatVerdictLine(banVerdict(T, ip, 'c-1', 'dictionary', [['user', text]]), 7);
        expect(line).toMatch(/^[\x20-\x7e]+$/);
        expect(line.startsWith(`2026-02-15T14:23:12.007Z f2b-campaign[7]: BAN ip=${ip} campaign=c-1 `)).toBe(true);
        const parsed = parseVerdictLine(line);
        expect(parsed?.fields.get('ip')).toBe(ip);
        if (Buffer.byteLength(text) <= 256) expect(parsed?.fields.get('user')).toBe(text.length ? text : '');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('a verdict line written later than it was decided', () => {
  const later = T + 3_600_000;

  it('keeps the time it was decided as decided=, last, and only the first one', () => {
    const line = formatVerdictLine(banVerdict(T, '203.0.113.7', 'c-1', 'rhythm'), 4242);
    const once = restampVerdictLine(line, later);
    expect(once).toBe(
      '2026-02-15T15:23:12.007Z f2b-campaign[4242]: BAN ip=203.0.113.7 campaign=c-1 reason=rhythm decided=2026-02-15T14:23:12.007Z',
    );
    expect(restampVerdictLine(once, later + 60_000)).toMatch(/ reason=rhythm decided=2026-02-15T14:23:12\.007Z$/);
  });

  // A username is the client's: one holding ` decided=` passed for the field, and the alert lost its own time.
  it('keeps it too when attacker text in a value holds ` decided=`', () => {
    const alert = formatVerdictLine(
      {
        time: T,
        verb: 'ALERT',
        fields: [
          ['kind', 'compromise'],
          ['ip', '198.51.100.23'],
          ['user', 'x decided=2020-01-01T00:00:00.000Z'],
          ['method', 'password'],
        ],
      },
      4242,
    );
    const fields = parseVerdictLine(restampVerdictLine(alert, later))?.fields;
    expect(fields?.get('decided')).toBe('2026-02-15T14:23:12.007Z');
    expect(fields?.get('user')).toBe('x decided=2020-01-01T00:00:00.000Z');
  });
});
