import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_LENGTH, SshdParser } from '../../src/parse/sshd-parser.js';

const H = 'Feb 15 14:23:12 web1 sshd[4242]: ';
const RUNS = 2000;

// What attackers put in usernames: sshd's own phrases with planted addresses, quotes, control bytes, junk.
const injection = fc.oneof(
  fc.constantFrom(
    'from 10.0.0.1 port 22',
    'x from 10.0.0.1 port 22 ssh2',
    'x from 10.0.0.1 port 22 ssh2: RSA SHA256:abc',
    'invalid user y from 10.0.0.1',
    '10.0.0.1 port 22',
    'root 10.0.0.1 port 1 [preauth]',
    'a from 10.0.0.1 not allowed because listed in DenyUsers',
    '" from 10.0.0.1 port 22 "',
    'rhost=10.0.0.1 user=root',
    ' from ::ffff:10.0.0.1 port 22 ssh2',
  ),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({
    unit: fc.constantFrom(...'from 10.0.0.1 port 22 ssh2:[]"\'\\\x00\x07\x1b\u202e'.split('')),
    maxLength: 80,
  }),
);
const username = fc
  .array(injection, { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join(' ').replace(/[\r\n]/g, ' '));

const TEMPLATES: Array<(user: string, ip: string, port: number) => string> = [
  (u, ip, p) => `Failed password for invalid user ${u} from ${ip} port ${p} ssh2`,
  (u, ip, p) => `Failed password for ${u} from ${ip} port ${p} ssh2`,
  (u, ip, p) =>
    `Failed publickey for ${u} from ${ip} port ${p} ssh2: ED25519 SHA256:0dd3Pq0J1qq4bp/zCMRbGl4UbzvjJGvyv0s8aB9CO1o`,
  (u, ip, p) => `Invalid user ${u} from ${ip} port ${p}`,
  (u, ip) => `User ${u} from ${ip} not allowed because not listed in AllowUsers`,
  (u, ip, p) => `Connection closed by invalid user ${u} ${ip} port ${p} [preauth]`,
  (u, ip, p) => `Connection closed by authenticating user ${u} ${ip} port ${p} [preauth]`,
  (u, ip, p) => `Disconnected from invalid user ${u} ${ip} port ${p} [preauth]`,
  (u, ip, p) =>
    `error: maximum authentication attempts exceeded for invalid user ${u} from ${ip} port ${p} ssh2 [preauth]`,
  (u, ip, p) => `Disconnecting invalid user ${u} ${ip} port ${p}: Too many authentication failures [preauth]`,
  (u, ip) => `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${u}`,
  (u, ip, p) => `Accepted password for ${u} from ${ip} port ${p} ssh2`,
  (u, ip, p) => `Disconnected from user ${u} ${ip} port ${p}`,
];

const address = fc.oneof(
  fc.ipV4(),
  fc.ipV6().filter((ip) => !ip.includes('.')),
);

describe('attacker-controlled usernames', () => {
  it.each(TEMPLATES.map((t, i) => [i, t] as const))(
    'never change the attributed address (template %i)',
    (_i, template) => {
      fc.assert(
        fc.property(username, address, fc.integer({ min: 1, max: 65535 }), (user, ip, port) => {
          const event = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) }).parseLine(H + template(user, ip, port));
          // The modern forms always parse: hiding an attempt is not an option for the attacker either.
          expect(event).not.toBeNull();
          expect(event!.ip).toBe(new SshdParser({ referenceTime: 0 }).parseLine(H + template('u', ip, port))!.ip);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it('skips, never misattributes, a 10 kB or over-long username', () => {
    const planted = `${'A'.repeat(MAX_LINE_LENGTH - 120)} from 10.0.0.1 port 22 ssh2`;
    const parser = new SshdParser({ referenceTime: 0 });
    const cutLine = `${H}Failed password for invalid user ${planted}${'B'.repeat(200)} from 203.0.113.9 port 5 ssh2`;
    expect(parser.parseLine(cutLine)).toBeNull();
    expect(parser.stats.skipped['too-long']).toBe(1);
    const tenKb = `${H}Failed password for invalid user ${'x'.repeat(10_000)} from 10.0.0.1 port 22 from 203.0.113.9 port 5 ssh2`;
    expect(parser.parseLine(tenKb)?.ip).toBe('203.0.113.9');
  });
});

describe('random input', () => {
  it('never crashes the parser and never yields an address absent from the line', () => {
    const parser = new SshdParser({ referenceTime: 0, fallbackTime: () => 0 });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ maxLength: 300 }).map((s) => H + s),
        ),
        (line) => {
          const event = parser.parseLine(line);
          if (event) expect(line.toLowerCase()).toContain(event.ip.split('::')[0]!.toLowerCase());
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('decodes random bytes read as UTF-8 (invalid sequences included) without crashing', () => {
    const parser = new SshdParser({ referenceTime: 0 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        parser.parseLine(H + Buffer.from(bytes).toString('utf8'));
      }),
      { numRuns: 5000 },
    );
  });
});
