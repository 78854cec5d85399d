import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { fail2banFailures } from '../../src/correlate/fail2ban-count.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { corpusFile } from '../helpers/corpora.js';

const FAIL2BAN_REGEX = '/usr/bin/fail2ban-regex';
const dir = mkdtempSync(join(tmpdir(), 'f2b-count-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One connection per address, as OpenSSH 9 writes it at LogLevel INFO.
const CONNECTIONS: Array<[ip: string, messages: string[]]> = [
  [
    '198.51.100.1',
    [
      'Invalid user bob from 198.51.100.1 port 40001',
      'Failed password for invalid user bob from 198.51.100.1 port 40001 ssh2',
    ],
  ],
  ['198.51.100.2', ['Failed password for root from 198.51.100.2 port 40002 ssh2']],
  ['198.51.100.3', ['Failed publickey for root from 198.51.100.3 port 40003 ssh2: ED25519 SHA256:abcdefghijklmnop']],
  [
    '198.51.100.4',
    [
      'Invalid user eve from 198.51.100.4 port 40004',
      'Failed keyboard-interactive/pam for invalid user eve from 198.51.100.4 port 40004 ssh2',
    ],
  ],
  [
    '198.51.100.5',
    ['ROOT LOGIN REFUSED FROM 198.51.100.5 port 40005', 'Failed password for root from 198.51.100.5 port 40005 ssh2'],
  ],
  [
    '198.51.100.6',
    [
      'User carol from 198.51.100.6 not allowed because not listed in AllowUsers',
      'Failed password for carol from 198.51.100.6 port 40006 ssh2',
    ],
  ],
  [
    '198.51.100.7',
    [
      'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.7  user=root',
      'Failed password for root from 198.51.100.7 port 40007 ssh2',
    ],
  ],
  [
    '198.51.100.8',
    [
      'Failed password for root from 198.51.100.8 port 40008 ssh2',
      'error: maximum authentication attempts exceeded for root from 198.51.100.8 port 40008 ssh2 [preauth]',
    ],
  ],
  ['198.51.100.9', ['Connection closed by authenticating user root 198.51.100.9 port 40009 [preauth]']],
  ['198.51.100.10', ['Connection closed by 198.51.100.10 port 40010 [preauth]']],
  // rsyslog's reduction (Ubuntu's default): the filter's expressions start at the message, so it reads no repeat.
  [
    '198.51.100.11',
    [
      'Failed password for root from 198.51.100.11 port 40011 ssh2',
      'message repeated 5 times: [ Failed password for root from 198.51.100.11 port 40011 ssh2]',
    ],
  ],
  // A jsch client's `Auth fail` on leaving: a failure of its own to that filter, after a try or alone.
  [
    '198.51.100.12',
    [
      'Failed password for root from 198.51.100.12 port 40012 ssh2',
      'error: Received disconnect from 198.51.100.12 port 40012:3: com.jcraft.jsch.JSchException: Auth fail [preauth]',
    ],
  ],
  [
    '198.51.100.13',
    ['error: Received disconnect from 198.51.100.13 port 40013:3: com.jcraft.jsch.JSchException: Auth fail [preauth]'],
  ],
];

describe("fail2ban's count of an sshd log", () => {
  it("matches fail2ban-regex with Debian's sshd filter, address by address", async () => {
    expect(existsSync(FAIL2BAN_REGEX), `${FAIL2BAN_REGEX} is missing: apt-get install fail2ban`).toBe(true);
    const lines = CONNECTIONS.flatMap(([, messages], c) =>
      messages.map((m, i) => `Feb 16 10:00:${String(c * 4 + i).padStart(2, '0')} bastion sshd[${5000 + c}]: ${m}`),
    );
    const log = join(dir, 'auth.log');
    writeFileSync(log, `${lines.join('\n')}\n`);

    const ours = new Map<string, number>();
    const parser = new SshdParser({ referenceTime: Date.UTC(2026, 1, 20) });
    for (const line of lines) {
      const event = parser.parseLine(line);
      if (event) ours.set(event.ip, (ours.get(event.ip) ?? 0) + fail2banFailures(event));
    }

    // `-o ip`: one address per failure fail2ban counts (lines its filter marks NOFAIL are matched, not counted).
    const { stdout } = await promisify(execFile)(FAIL2BAN_REGEX, ['-o', 'ip', log, 'sshd']);
    const theirs = new Map<string, number>();
    for (const ip of stdout.split('\n').filter(Boolean)) theirs.set(ip, (theirs.get(ip) ?? 0) + 1);
    const table = (counts: Map<string, number>) => CONNECTIONS.map(([ip]) => [ip, counts.get(ip) ?? 0]);
    expect(table(ours)).toEqual(table(theirs));
    // The point of it: an unknown-user try is two failures to fail2ban, a known-user try one.
    expect(theirs.get('198.51.100.1')).toBe(2);
    expect(theirs.get('198.51.100.2')).toBe(1);
    expect(theirs.get('198.51.100.11')).toBe(1);
    expect(theirs.get('198.51.100.12')).toBe(2);
  }, 60_000);
});

/** Failures fail2ban's sshd jail counts per address in `log`: `-o ip` prints one address per failure. */
async function fail2banCounts(log: string): Promise<Map<string, number>> {
  const { stdout } = await promisify(execFile)(FAIL2BAN_REGEX, ['-o', 'ip', log, 'sshd']);
  const counts = new Map<string, number>();
  for (const ip of stdout.split('\n').filter(Boolean)) counts.set(ip, (counts.get(ip) ?? 0) + 1);
  return counts;
}

/**
 * Our model's count per address, the log read in order by one parser; with `restartEachLine`, by a new parser
 * resumed from the last one's snapshot (through JSON, as the service's state file has it) before every line.
 */
function ourCounts(log: string, restartEachLine = false): Map<string, number> {
  const referenceTime = Date.UTC(2026, 10, 30);
  let parser = new SshdParser({ referenceTime });
  const counts = new Map<string, number>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (restartEachLine) parser = new SshdParser({ referenceTime }, JSON.parse(JSON.stringify(parser.snapshot())));
    const event = line === '' ? null : parser.parseLine(line);
    if (event) counts.set(event.ip, (counts.get(event.ip) ?? 0) + fail2banFailures(event));
  }
  for (const [ip, n] of counts) if (n === 0) counts.delete(ip);
  return counts;
}

const fixture = (name: string) => fileURLToPath(new URL(`../parse/fixtures/${name}`, import.meta.url));

describe("fail2ban's count of a real sshd 9.2's log", () => {
  it.each(['openssh-9.2-pam-tries.log', 'openssh-9.2-login.log'])(
    'matches fail2ban-regex on %s',
    async (name) => {
      expect(existsSync(FAIL2BAN_REGEX), `${FAIL2BAN_REGEX} is missing: apt-get install fail2ban`).toBe(true);
      const log = fixture(name);
      expect(ourCounts(log)).toEqual(await fail2banCounts(log));
    },
    60_000,
  );

  it("counts sshd's `PAM: Authentication failure` line of each keyboard-interactive try, as fail2ban does", async () => {
    const log = fixture('openssh-9.2-pam-tries.log');
    // 8 `PAM:` lines, 7 `Failed` lines, 1 `Invalid user`, and the close of the connection where fail2ban read two
    // names (`nosuchuser`, and `illegal user nosuchuser` from the `PAM:` lines).
    expect((await fail2banCounts(log)).get('127.0.0.1')).toBe(17);
    expect(ourCounts(log).get('127.0.0.1')).toBe(17);
  }, 60_000);

  it.each(['openssh-9.2-pam-tries.log', 'openssh-9.2-login.log', 'openssh-9.2-usedns-pam-tries.log'])(
    'counts %s the same with a restart before every line',
    (name) => {
      const log = fixture(name);
      expect(ourCounts(log, true)).toEqual(ourCounts(log));
    },
  );

  it('counts the same lines with UseDNS, the `PAM:` lines on the host name they give (which fail2ban resolves)', async () => {
    const log = fixture('openssh-9.2-usedns-pam-tries.log');
    expect(await fail2banCounts(log)).toEqual(new Map([['127.0.0.1', 6]]));
    // A host name is never resolved (docs/parser.md): the three `PAM: ... from localhost` count on the name.
    expect(ourCounts(log)).toEqual(
      new Map([
        ['localhost', 3],
        ['127.0.0.1', 3],
      ]),
    );
  }, 60_000);

  it("agrees with fail2ban-regex on Loghub's 2,000 real lines but for what docs/detection.md lists", async () => {
    const log = corpusFile('loghub-openssh-2k.log');
    const ours = ourCounts(log);
    const theirs = await fail2banCounts(log);
    const apart = [...new Set([...ours.keys(), ...theirs.keys()])]
      .filter((ip) => ours.get(ip) !== theirs.get(ip))
      .map((ip) => [ip, ours.get(ip) ?? 0, theirs.get(ip) ?? 0]);
    expect(apart).toEqual([
      // `Disconnecting: Too many authentication failures for U` names no address: fail2ban takes its pid's.
      ['5.36.59.76', 1, 2],
      ['106.5.5.195', 1, 2],
      // The file's last line has no newline: fail2ban-regex leaves it unread, as fail2ban waits for its end.
      ['103.99.0.122', 81, 80],
      ['119.4.203.64', 7, 8],
    ]);
  }, 60_000);
});
