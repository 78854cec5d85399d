import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseAddress } from '../../src/parse/address.js';
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
  // rra-c-util's modules (pam_krb5) write the client's name as `logname=`, before the host (pam-origin.ts).
  (u, ip) => `pam_krb5(sshd:auth): authentication failure; logname=${u} uid=0 euid=0 tty=ssh ruser= rhost=${ip}`,
  (u, ip, p) => `Accepted password for ${u} from ${ip} port ${p} ssh2`,
  (u, ip, p) => `Disconnected from user ${u} ${ip} port ${p}`,
];

// Any address a peer can have: not the unspecified ones, which the parser refuses (a test below).
const address = fc
  .oneof(
    fc.ipV4(),
    fc.ipV6().filter((ip) => !ip.includes('.')),
  )
  .filter((ip) => normaliseAddress(ip) !== null);
/** The address as sshd wrote it, canonical (IPv6 compressed and lower case, IPv4-mapped as IPv4). */
const realAddress = (ip: string) => normaliseAddress(ip)!.ip;
/** Whether `ip` (canonical) is written in `line`, literally or (IPv6) in another spelling of the same address. */
const spelledIn = (line: string, ip: string) =>
  line.toLowerCase().includes(ip.toLowerCase()) ||
  (ip.includes(':') && line.split(/[^0-9A-Fa-f:.]+/).some((token) => normaliseAddress(token)?.ip === ip));

describe('attacker-controlled usernames', () => {
  it.each(TEMPLATES.map((t, i) => [i, t] as const))(
    'never change the attributed address (template %i)',
    (_i, template) => {
      fc.assert(
        fc.property(username, address, fc.integer({ min: 1, max: 65535 }), (user, ip, port) => {
          const event = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) }).parseLine(H + template(user, ip, port));
          // The modern forms always parse: hiding an attempt is not an option for the attacker either.
          expect(event).not.toBeNull();
          // The address sshd wrote, in canonical form: not what the parser makes of the same line with a tame
          // username, which a parser attributing every line wrongly would match.
          expect(event!.ip).toBe(realAddress(ip));
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
    // sshd writes at most 100 bytes of a username and 500 of a message: a longer one was cut or forged.
    const tenKb = `${H}Failed password for invalid user ${'x'.repeat(10_000)} from 10.0.0.1 port 22 from 203.0.113.9 port 5 ssh2`;
    expect(parser.parseLine(tenKb)).toBeNull();
    expect(parser.stats.skipped['too-long']).toBe(2);
  });
});

describe('one parser over many lines', () => {
  // The parser hands a line the previous line's address object when both name one IPv4 address (sshd-parser.ts):
  // lines from a few addresses in any order, repeats and alternations, must each get their own line's.
  it('attributes each line to its own address, however the addresses repeat and alternate', () => {
    const pool = ['192.0.2.7', '192.0.2.70', '198.51.100.255', '::ffff:192.0.2.7', '2001:db8::7'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ ip: fc.constantFrom(...pool), template: fc.nat(TEMPLATES.length - 1) }), {
          minLength: 2,
          maxLength: 40,
        }),
        (lines) => {
          const parser = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) });
          for (const { ip, template } of lines) {
            const event = parser.parseLine(H + TEMPLATES[template]!('bob', ip, 2222));
            expect(event?.ip).toBe(realAddress(ip));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('random input', () => {
  it('never crashes the parser and never yields an address absent from the line', () => {
    const parser = new SshdParser({ referenceTime: 0, fallbackTime: () => 0 });
    // Random strings alone never make an event (none of 20,000 did), so the address check needs lines that do:
    // sshd's messages with attacker usernames, cut at a random point or with random text spliced in.
    const damaged = fc
      .record({
        template: fc.constantFrom(...TEMPLATES),
        user: username,
        ip: address.map(realAddress),
        port: fc.integer({ min: 1, max: 65535 }),
        at: fc.nat(),
        junk: fc.string({ maxLength: 12 }),
        cut: fc.boolean(),
      })
      .map(({ template, user, ip, port, at, junk, cut }) => {
        const message = template(user, ip, port);
        const i = at % (message.length + 1);
        return H + (cut ? message.slice(0, i) : message.slice(0, i) + junk + message.slice(i));
      });
    let events = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ maxLength: 300 }).map((s) => H + s),
          damaged,
        ),
        (line) => {
          const event = parser.parseLine(line);
          if (event) {
            events++;
            expect(spelledIn(line, event.ip), `${event.ip} in ${JSON.stringify(line)}`).toBe(true);
          }
        },
      ),
      { numRuns: 20_000 },
    );
    expect(events, 'lines that made an event (the address check ran on them)').toBeGreaterThan(1000);
  });

  // Found by the property above: the zone ID of `fe80::%eth0` (sshd prints a link-local peer with its scope) was
  // read as a hex group, giving `fe80::NaN`, bannable, written nowhere in the line.
  it('keeps a zone ID out of the address (fe80::%eth0, fe80::1%2)', () => {
    const parser = new SshdParser({ referenceTime: 0 });
    for (const [written, ip] of [
      ['fe80::%eth0', 'fe80::'],
      ['fe80::1%2', 'fe80::1'],
      ['[2001:db8::7%25]', '2001:db8::7'],
    ]) {
      const event = parser.parseLine(`${H}Failed password for root from ${written} port 10 ssh2`);
      expect(event?.ip, written).toBe(ip);
    }
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

// What OpenSSH's log.c does to a message before syslog sees it: strnvis(LOG_SYSLOG_VIS = VIS_CSTYLE|VIS_NL|VIS_TAB|
// VIS_OCTAL) escapes every byte that is not printable ASCII (4 characters for most), then syslog(pri, "%.500s").
const C_STYLE: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r' };
function vis(text: string, maxBytes = Number.POSITIVE_INFINITY): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8').subarray(0, maxBytes)) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else if (C_STYLE[byte] !== undefined) out += `\\${C_STYLE[byte]}`;
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}
const SYSLOG_CUT = 500;
const FP = 'SHA256:0dd3Pq0J1qq4bp/zCMRbGl4UbzvjJGvyv0s8aB9CO1o';

// sshd's messages as its source writes them (auth.c, auth2-pubkey.c, packet.c, monitor.c): each attacker field with
// the precision sshd gives it (%.100s user, %.200s log preamble `invalid user U`, an unbounded certificate key ID).
// `u` and `v` are two attacker texts (a username and a key ID or hostbased client name).
const SSHD_FORMS: Array<(u: string, v: string, ip: string, port: number) => string> = [
  (u, _v, ip, p) => `Failed password for invalid user ${vis(u, 100)} from ${ip} port ${p} ssh2`,
  (u, _v, ip, p) => `Failed keyboard-interactive/pam for invalid user ${vis(u, 100)} from ${ip} port ${p} ssh2`,
  (u, _v, ip, p) => `Invalid user ${vis(u, 100)} from ${ip} port ${p}`,
  (u, v, ip, p) =>
    `Failed publickey for invalid user ${vis(u, 100)} from ${ip} port ${p} ssh2: ED25519-CERT ${FP} ID ${vis(v)} (serial 7) CA ED25519 ${FP}`,
  (_u, v, ip, p) =>
    `Failed publickey for root from ${ip} port ${p} ssh2: RSA-CERT ${FP} ID ${vis(v)} (serial 7) CA RSA ${FP}`,
  (u, v, ip, p) =>
    `Failed hostbased for root from ${ip} port ${p} ssh2: ED25519 ${FP}, client user "${vis(u, 100)}", client host "${vis(v, 100)}"`,
  (u, v, ip, p) =>
    `Failed hostbased for root from ${ip} port ${p} ssh2: ED25519-CERT ${FP} ID ${vis(v)} (serial 7) CA ED25519 ${FP}, client user "${vis(u, 100)}", client host "${vis(v, 100)}"`,
  (u, _v, ip, p) => `Connection closed by ${vis(`invalid user ${u}`, 200)} ${ip} port ${p} [preauth]`,
  (u, _v, ip, p) => `Connection reset by ${vis(`authenticating user ${u}`, 200)} ${ip} port ${p} [preauth]`,
  (u, _v, ip, p) => `Disconnected from ${vis(`invalid user ${u}`, 200)} ${ip} port ${p} [preauth]`,
  (u, _v, ip, p) =>
    `Disconnecting ${vis(`invalid user ${u}`, 200)} ${ip} port ${p}: Too many authentication failures [preauth]`,
  (u, _v, ip, p) =>
    `ssh_dispatch_run_fatal: Connection from ${vis(`invalid user ${u}`, 200)} ${ip} port ${p}: message authentication code incorrect [preauth]`,
  (u, _v, ip, p) =>
    `error: maximum authentication attempts exceeded for invalid user ${vis(u, 100)} from ${ip} port ${p} ssh2 [preauth]`,
  (u, _v, ip) => `error: PAM: Authentication failure for illegal user ${vis(u, 100)} from ${ip}`,
  (u, _v, ip, p) => `Bad protocol version identification '${vis(u, 100)}' from ${ip} port ${p}`,
];
const sshdSyslog = (message: string) => Buffer.from(message).subarray(0, SYSLOG_CUT).toString('latin1');

// Texts an attacker plants so that what is left of a line sshd cut reads as a whole line naming 10.0.0.1.
const planted = fc.constantFrom(
  ' 10.0.0.1 port 22',
  ' from 10.0.0.1 port 22 ssh2',
  ' from 10.0.0.1 port 22',
  ' from 10.0.0.1',
  ' 10.0.0.1 port 22: Too many authentication failures',
  ' 10.0.0.1 port 22: message authentication code incorrect',
  "' from 10.0.0.1 port 22",
  ' from 10.0.0.1 port 22 ssh2: RSA SHA256:abc',
);

describe("sshd's own escaping and 500-byte syslog cut", () => {
  it.each(SSHD_FORMS.map((t, i) => [i, t] as const))(
    'never attribute what is left of a cut line to a planted address (form %i)',
    (_i, form) => {
      fc.assert(
        fc.property(
          planted,
          fc.integer({ min: 0, max: 120 }),
          fc.constantFrom('\x01', '\u00e9', '\\', '\n'),
          address,
          fc.integer({ min: 1, max: 65535 }),
          (plant, escapes, escaped, ip, port) => {
            // Padding that escaping blows up (4 characters a byte), then printable padding so the planted text ends
            // exactly where syslog cuts, whenever sshd's precision lets it get that far.
            const head = escaped.repeat(escapes);
            const probe = form(`${head}${plant}`, `${head}${plant}`, ip, port);
            const end = probe.indexOf(vis(plant)) + vis(plant).length;
            const pad = 'a'.repeat(Math.max(0, SYSLOG_CUT - end));
            const attacker = `${head}${pad}${plant}`;
            const line = sshdSyslog(form(attacker, attacker, ip, port));
            const event = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) }).parseLine(H + line);
            if (event !== null) expect(event.ip).toBe(realAddress(ip));
          },
        ),
        { numRuns: 300 },
      );
    },
  );

  it.each(SSHD_FORMS.map((t, i) => [i, t] as const))(
    'never attribute a line with attacker text on both sides of the address to a planted one (form %i)',
    (_i, form) => {
      fc.assert(
        fc.property(username, username, address, fc.integer({ min: 1, max: 65535 }), (u, v, ip, port) => {
          const line = sshdSyslog(form(u, v, ip, port));
          const event = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) }).parseLine(H + line);
          if (event !== null) expect(event.ip).toBe(realAddress(ip));
        }),
        { numRuns: 500 },
      );
    },
  );

  it('reads every form when nothing was planted', () => {
    for (const form of SSHD_FORMS) {
      const event = new SshdParser({ referenceTime: 0 }).parseLine(H + form('admin', 'key-7', '203.0.113.9', 5));
      expect(event?.ip, form('admin', 'key-7', '203.0.113.9', 5)).toBe('203.0.113.9');
    }
  });

  it('skips a certificate line whose key ID plants the address that its username plants too', () => {
    const plant = ' from 10.0.0.1 port 1 ssh2: RSA-CERT SHA256:x ID ';
    const parser = new SshdParser({ referenceTime: 0 });
    const line = `Failed publickey for invalid user u${plant}k from 203.0.113.9 port 5 ssh2: ED25519-CERT ${FP} ID k${plant}z (serial 1) CA ED25519 ${FP}`;
    expect(parser.parseLine(H + line)).toBeNull();
    expect(parser.stats.skipped.ambiguous).toBe(1);
  });

  it("counts, without a port, a certificate line whose key ID plants sshd's own address with another port", () => {
    // The address is sshd's whichever reading is; skipping the line would let a client hide its own failures.
    const plant = ' from 203.0.113.9 port 1 ssh2: RSA-CERT SHA256:x ID ';
    const parser = new SshdParser({ referenceTime: 0 });
    const line = `Failed publickey for invalid user u from 203.0.113.9 port 5 ssh2: ED25519-CERT ${FP} ID k${plant}z (serial 1) CA ED25519 ${FP}`;
    const event = parser.parseLine(H + line);
    expect(event).toMatchObject({ kind: 'failure', ip: '203.0.113.9', user: 'u' });
    expect(event?.port).toBeUndefined();
    expect(parser.stats.skipped.ambiguous).toBe(0);
    // Readings that disagree on the address still make the line ambiguous, whatever their ports.
    const other = line.replace(plant, plant.replace('203.0.113.9', '10.0.0.1'));
    expect(parser.parseLine(H + other)).toBeNull();
    expect(parser.stats.skipped.ambiguous).toBe(1);
  });

  it('skips, as cut, a certificate line that syslog cut inside the key ID', () => {
    const start = `Failed publickey for invalid user u from 203.0.113.9 port 5 ssh2: ED25519-CERT ${FP} ID `;
    const tail = ' from 10.0.0.1 port 22 ssh2';
    const line = `${start}${'k'.repeat(SYSLOG_CUT - start.length - tail.length)}${tail}`;
    const parser = new SshdParser({ referenceTime: 0 });
    expect(parser.parseLine(H + line)).toBeNull();
    expect(parser.stats.skipped['too-long']).toBe(1);
  });

  it('skips, as cut, a pre-auth close whose escaped username syslog cut before the address', () => {
    const start = `Connection closed by invalid user ${'\\001'.repeat(100)}`;
    const tail = ' 10.0.0.1 port 22';
    const line = `${start}${'a'.repeat(SYSLOG_CUT - start.length - tail.length)}${tail}`;
    const parser = new SshdParser({ referenceTime: 0 });
    expect(parser.parseLine(H + line)).toBeNull();
    expect(parser.stats.skipped['too-long']).toBe(1);
    // A line that puts its address first is read whatever follows: the client's offer list is often cut.
    const offer = `Unable to negotiate with 198.51.100.4 port 5: no matching host key type found. Their offer: ${'x'.repeat(500)}`;
    expect(parser.parseLine(H + sshdSyslog(offer))?.ip).toBe('198.51.100.4');
  });

  // SSH1-era rhosts lines: the username before the address, the client's remote user after it (found in review).
  it('skips an SSH1 line whose username plants a whole SSH1 reading of its own, and reads the real one', () => {
    const parser = new SshdParser({ referenceTime: 0 });
    const real = 'Failed rhosts-rsa for u from 203.0.113.9 port 5 ssh1: ruser r';
    expect(parser.parseLine(H + real)?.ip).toBe('203.0.113.9');
    const planted = 'Failed rhosts-rsa for x from 6.6.6.6 port 22 ssh1: ruser y from 203.0.113.9 port 5 ssh1: ruser r';
    expect(parser.parseLine(H + planted)).toBeNull();
    expect(parser.stats.skipped.ambiguous).toBe(1);
  });

  // sshd cuts the `Change of username` line's tail to 100 bytes: a first username that repeats the line's own form
  // leaves the second copy of the plant at the end, where both readings of the line land on `::` (found in review).
  it('skips a line whose only reading is an unspecified address (`::`, `0.0.0.0`): no peer has one', () => {
    const plant = ' :: port 1: Change of username or service not allowed: ';
    const line = `Disconnecting invalid user ${plant} 203.0.113.9 port 5555: Change of username or service not allowed: (${plant}, [preauth]`;
    const parser = new SshdParser({ referenceTime: 0 });
    expect(parser.parseLine(H + line)).toBeNull();
    expect(parser.stats.skipped['bad-address']).toBe(1);
    for (const unspecified of ['0.0.0.0', '::', '0::0', '::ffff:0.0.0.0', '[::]']) {
      expect(normaliseAddress(unspecified), unspecified).toBeNull();
      expect(parser.parseLine(`${H}Failed password for root from ${unspecified} port 22 ssh2`)).toBeNull();
    }
    expect(parser.stats.skipped['bad-address']).toBe(6);
  });
});
