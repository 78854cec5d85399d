import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { banVerdict, type Verdict } from '../../src/core/verdict.js';
import { formatVerdictLine, TORN_END } from '../../src/verdict/verdict-line.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const FILTER = join(ROOT, 'fail2ban', 'filter.d', 'f2b-campaign.conf');
const FIXTURES = join(HERE, 'fixtures');
const work = mkdtempSync(join(tmpdir(), 'f2bc-filter-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The addresses the real fail2ban-regex extracts, one per matched line, in order. fail2ban-regex exits 0 whether or
 * not anything matched, so its output is what we compare, never its exit code.
 */
function matchedAddresses(logFile: string): string[] {
  const out = execFileSync('fail2ban-regex', ['-o', 'ip', logFile, FILTER], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.length > 0);
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0);
}

describe('the bundled f2b-campaign filter, run by the real fail2ban-regex', () => {
  it('matches exactly the BAN addresses of the golden verdict log, hostile lines included', () => {
    const got = matchedAddresses(join(FIXTURES, 'verdicts.golden.log'));
    expect(got).toEqual(lines(join(FIXTURES, 'verdicts.golden.expected')));
    expect(got.some((address) => address.startsWith('6.6.6.'))).toBe(false);
  });

  it('takes the BAN address and nothing else from lines written by formatVerdictLine with attacker text', () => {
    // Usernames and client banners are attacker text: quotes, backslashes, newlines, NULs, forged verdict heads.
    const forged = fc.constantFrom(
      'x" BAN ip=6.6.6.6 campaign=x',
      '\n2025-05-20T14:03:09.003Z f2b-campaign[1]: BAN ip=6.6.6.6 campaign=x',
      '\\" ip=6.6.6.6 campaign=',
      '\r BAN ip=6.6.6.6 campaign=x\u0000',
      '\u202e6.6.6.6 campaign=x',
    );
    const attackerText = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), forged);
    const octet = fc.integer({ min: 1, max: 254 });
    const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
    // No zero groups: fail2ban prints IPv6 in its compressed form, which these then already are.
    const ipv6 = fc.array(fc.integer({ min: 1, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((parts) => {
      parts[0] = 0x2001;
      return parts.map((p) => p.toString(16)).join(':');
    });
    const entry = fc.record({
      verb: fc.constantFrom('BAN', 'ALERT', 'CAMPAIGN'),
      ip: fc.oneof(ipv4, ipv6),
      user: attackerText,
      client: attackerText,
    });
    const entries = fc.sample(fc.array(entry, { minLength: 300, maxLength: 300 }), { numRuns: 1, seed: 20250520 })[0]!;
    const expected: string[] = [];
    const text = entries.map((e, i) => {
      const time = Date.UTC(2025, 4, 20, 14, 0, 0) + i * 1000;
      let verdict: Verdict;
      if (e.verb === 'BAN') {
        verdict = banVerdict(time, e.ip, 'c-1', 'dictionary', [
          ['user', e.user],
          ['client', e.client],
        ]);
        expected.push(e.ip);
      } else {
        verdict = {
          time,
          verb: e.verb,
          fields: [
            ['ip', e.ip],
            ['user', e.user],
            ['note', e.client],
          ],
        };
      }
      const line = formatVerdictLine(verdict, 4242);
      expect(line).toMatch(/^[\x20-\x7e]+$/);
      return line;
    });
    const file = join(work, 'generated.log');
    writeFileSync(file, `${text.join('\n')}\n`);
    expect(expected.length).toBeGreaterThan(50);
    expect(matchedAddresses(file)).toEqual(expected);
  });

  // A full disk can tear a BAN line anywhere, and a kill -9 before the rest is written leaves the part, ended by the
  // restart as a line of its own (docs/service.md): fail2ban reads it. An address cut short is often an address
  // still (10.0.0.12 to 10.0.0.1, 2001:db8::12 to 2001:db8::1): the filter must never take one from a part.
  it('never takes from a torn BAN line an address other than the whole line names, cut at any byte', () => {
    const addresses = ['10.0.0.12', '192.168.100.200', '1.2.3.4', '2001:db8::12', '2001:db8:0:1::ab', 'fe80::1:2'];
    const whole = addresses.map((ip, i) =>
      formatVerdictLine(
        banVerdict(Date.UTC(2026, 10, 24, 6, 0, i), ip, 'c-202611240600-12', 'rhythm+dictionary', [
          ['match', 'open'],
          ['attempts', 3],
        ]),
        812,
      ),
    );
    const wholeFile = join(work, 'whole.log');
    writeFileSync(wholeFile, `${whole.join('\n')}\n`);
    const named = matchedAddresses(wholeFile);
    expect(named).toHaveLength(whole.length);
    // Every part, each ended as a line of its own; in order, so each address found is tied to its line.
    const expected: string[] = [];
    const parts: string[] = [];
    whole.forEach((line, i) => {
      for (let n = 1; n < line.length; n++) {
        const part = line.slice(0, n);
        parts.push(part);
        if (/ campaign=\S/.test(part)) expected.push(named[i]!);
      }
    });
    const partsFile = join(work, 'torn.log');
    writeFileSync(partsFile, `${parts.join('\n')}\n`);
    expect(expected.length).toBeGreaterThan(100);
    expect(matchedAddresses(partsFile)).toEqual(expected);
    // The same parts as the restart ends them, marked as no verdict: the mark changes nothing fail2ban takes.
    const markedFile = join(work, 'torn-marked.log');
    writeFileSync(markedFile, `${parts.map((part) => part + TORN_END).join('\n')}\n`);
    expect(matchedAddresses(markedFile)).toEqual(expected);
  });
});
