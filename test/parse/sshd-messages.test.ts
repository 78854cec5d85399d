import { describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';

const REF = Date.UTC(2026, 5, 1);
const H = '2026-02-15T14:23:12.123456+00:00 web1 sshd[4242]: ';

function one(message: string, header = H): AuthEvent | null {
  return new SshdParser({ referenceTime: REF }).parseLine(header + message);
}

// Every message OpenSSH 8.x-10.x writes at INFO/VERBOSE that we draw an event from: [message, kind, ip, extra].
const CASES: Array<[string, AuthEvent['kind'], string, Partial<AuthEvent>?]> = [
  [
    'Failed password for root from 203.0.113.5 port 51234 ssh2',
    'failure',
    '203.0.113.5',
    { user: 'root', port: 51234, reason: 'failed-password' },
  ],
  [
    'Failed password for invalid user admin from 203.0.113.5 port 51234 ssh2',
    'failure',
    '203.0.113.5',
    { user: 'admin', invalidUser: true },
  ],
  [
    'Failed publickey for git from 203.0.113.5 port 40000 ssh2: ED25519 SHA256:0dd3Pq0J1qq4bp/zCMRbGl4UbzvjJGvyv0s8aB9CO1o',
    'failure',
    '203.0.113.5',
    { reason: 'failed-publickey', user: 'git' },
  ],
  [
    'Failed keyboard-interactive/pam for invalid user oracle from 2001:db8::7 port 1 ssh2',
    'failure',
    '2001:db8::7',
    { reason: 'failed-keyboard-interactive' },
  ],
  [
    'Failed none for invalid user test from 203.0.113.5 port 2 ssh2',
    'failure',
    '203.0.113.5',
    { reason: 'failed-none' },
  ],
  [
    'Invalid user ubnt from 198.51.100.9 port 60000',
    'failure',
    '198.51.100.9',
    { reason: 'invalid-user', user: 'ubnt' },
  ],
  ['Invalid user  from 198.51.100.9 port 60000', 'failure', '198.51.100.9', { user: '' }],
  [
    'User root from 198.51.100.9 not allowed because not listed in AllowUsers',
    'failure',
    '198.51.100.9',
    { reason: 'not-allowed' },
  ],
  [
    "User bob from 198.51.100.9 not allowed because none of user's groups are listed in AllowGroups",
    'failure',
    '198.51.100.9',
  ],
  ['User eve from 198.51.100.9 not allowed because listed in DenyUsers', 'failure', '198.51.100.9'],
  [
    'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.44  user=root',
    'failure',
    '192.0.2.44',
    { reason: 'pam-failure', user: 'root' },
  ],
  [
    'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.44',
    'failure',
    '192.0.2.44',
  ],
  [
    'error: maximum authentication attempts exceeded for root from 192.0.2.44 port 22 ssh2 [preauth]',
    'failure',
    '192.0.2.44',
    { reason: 'max-attempts' },
  ],
  [
    'Disconnecting authenticating user root 192.0.2.44 port 22: Too many authentication failures [preauth]',
    'failure',
    '192.0.2.44',
  ],
  ['ROOT LOGIN REFUSED FROM 192.0.2.44 port 22', 'failure', '192.0.2.44', { reason: 'root-refused' }],
  ['Connection closed by 192.0.2.44 port 41000 [preauth]', 'probe', '192.0.2.44', { reason: 'closed-preauth' }],
  [
    'Connection closed by authenticating user root 192.0.2.44 port 41000 [preauth]',
    'failure',
    '192.0.2.44',
    { user: 'root' },
  ],
  [
    'Connection closed by invalid user admin 192.0.2.44 port 41000 [preauth]',
    'failure',
    '192.0.2.44',
    { invalidUser: true },
  ],
  ['Connection reset by 192.0.2.44 port 41000 [preauth]', 'probe', '192.0.2.44', { reason: 'reset-preauth' }],
  ['Connection reset by authenticating user root 192.0.2.44 port 41000 [preauth]', 'failure', '192.0.2.44'],
  ['Disconnected from 192.0.2.44 port 41000 [preauth]', 'probe', '192.0.2.44', { reason: 'disconnected-preauth' }],
  ['Disconnected from invalid user admin 192.0.2.44 port 41000 [preauth]', 'failure', '192.0.2.44'],
  ['Disconnected from authenticating user root 192.0.2.44 port 41000 [preauth]', 'failure', '192.0.2.44'],
  // With a port (OpenSSH 7.x on), the `Disconnected from` line that follows counts the connection (below).
  ['Received disconnect from 192.0.2.44 port 41000:11: Bye Bye [preauth]', 'disconnect', '192.0.2.44'],
  // An empty reason (fail2ban issue #1719 shows them): sshd writes `:11: ` and the suffix.
  ['Received disconnect from 192.0.2.44 port 41000:11:  [preauth]', 'disconnect', '192.0.2.44'],
  ['Received disconnect from 192.0.2.44: 11:  [preauth]', 'probe', '192.0.2.44'],
  [
    'Received disconnect from 192.0.2.44 port 41000:14: No supported authentication methods available [preauth]',
    'failure',
    '192.0.2.44',
  ],
  ['Timeout before authentication for 192.0.2.44 port 41000', 'probe', '192.0.2.44', { reason: 'login-timeout' }],
  ['Timeout before authentication for connection from 192.0.2.44 to 10.0.0.1, pid = 1234', 'probe', '192.0.2.44'],
  [
    'Did not receive identification string from 192.0.2.44 port 41000',
    'probe',
    '192.0.2.44',
    { reason: 'no-identification' },
  ],
  [
    'banner exchange: Connection from 192.0.2.44 port 41000: invalid format',
    'probe',
    '192.0.2.44',
    { reason: 'banner-exchange' },
  ],
  [
    'Unable to negotiate with 192.0.2.44 port 41000: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]',
    'probe',
    '192.0.2.44',
    { reason: 'unable-to-negotiate' },
  ],
  [
    'Accepted password for alice from 192.0.2.44 port 41000 ssh2',
    'success',
    '192.0.2.44',
    { user: 'alice', method: 'password' },
  ],
  [
    'Accepted publickey for deploy from 192.0.2.44 port 41000 ssh2: ED25519 SHA256:0dd3Pq0J1qq4bp/zCMRbGl4UbzvjJGvyv0s8aB9CO1o',
    'success',
    '192.0.2.44',
    { method: 'publickey' },
  ],
  ['Accepted keyboard-interactive/pam for alice from ::ffff:192.0.2.44 port 41000 ssh2', 'success', '192.0.2.44'],
  ['Disconnected from user alice 192.0.2.44 port 41000', 'disconnect', '192.0.2.44', { reason: 'session-closed' }],
  ['Failed password for root from 2001:DB8:0:0:0:0:0:1 port 5 ssh2', 'failure', '2001:db8::1'],
  [
    'Failed password for root from client.example.org port 5 ssh2',
    'failure',
    'client.example.org',
    { bannable: false },
  ],
];

describe('sshd messages', () => {
  it.each(CASES)('%s', (message, kind, ip, extra = {}) => {
    const event = one(message);
    expect(event).toMatchObject({ kind, ip, ...extra });
    expect(event?.bannable).toBe(extra.bannable ?? true);
  });

  it.each([
    'kex_exchange_identification: Connection closed by remote host',
    'pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)',
    'pam_unix(sshd:session): session closed for user alice',
    'Connection from 192.0.2.44 port 41000 on 10.0.0.1 port 22 rdomain ""',
    'Server listening on 0.0.0.0 port 22.',
  ])('draws no event from %s', (message) => {
    const parser = new SshdParser({ referenceTime: REF });
    expect(parser.parseLine(H + message)).toBeNull();
    expect(parser.stats.skipped['no-event']).toBe(1);
  });
});

describe('headers', () => {
  it.each([
    ['Feb 15 14:23:12 web1 sshd[12847]: ', new Date(2026, 1, 15, 14, 23, 12).getTime(), 'web1', 'sshd', 12847],
    [
      '2026-02-15T14:23:12.123456+01:00 web1 sshd[12847]: ',
      Date.UTC(2026, 1, 15, 13, 23, 12, 123),
      'web1',
      'sshd',
      12847,
    ],
    ['2026-02-15 14:23:12 sshd[12847]: ', new Date(2026, 1, 15, 14, 23, 12).getTime(), undefined, 'sshd', 12847],
    ['2026-02-15T14:23:12Z web1 sshd-session[7]: ', Date.UTC(2026, 1, 15, 14, 23, 12), 'web1', 'sshd-session', 7],
    ['2026-02-15T14:23:12Z web1 sshd-auth[8]: ', Date.UTC(2026, 1, 15, 14, 23, 12), 'web1', 'sshd-auth', 8],
    ['2026-02-15T14:23:12Z web1 sshd: ', Date.UTC(2026, 1, 15, 14, 23, 12), 'web1', 'sshd', undefined],
    [
      '<38>1 2026-02-15T14:23:12.5-04:00 web1 sshd 999 - - ',
      Date.UTC(2026, 1, 15, 18, 23, 12, 500),
      'web1',
      'sshd',
      999,
    ],
    // RFC 5424 6.4: a UTF-8 MSG may start with a byte order mark.
    ['<38>1 2026-02-15T14:23:12Z web1 sshd 999 - - \uFEFF', Date.UTC(2026, 1, 15, 14, 23, 12), 'web1', 'sshd', 999],
  ])('%s', (header, time, host, _program, pid) => {
    const event = one('Invalid user x from 203.0.113.1 port 5', header);
    expect(event?.time).toBe(time);
    expect(event?.host).toBe(host);
    expect(event?.pid).toBe(pid);
  });

  it('infers the year of syslog stamps across New Year', () => {
    const parser = new SshdParser({ referenceTime: new Date(2027, 0, 2, 12).getTime() });
    const times = ['Dec 31 23:59:58', 'Jan  1 00:00:03'].map(
      (stamp) => parser.parseLine(`${stamp} h sshd[1]: Invalid user x from 203.0.113.1 port 5`)?.time,
    );
    expect(times).toEqual([new Date(2026, 11, 31, 23, 59, 58).getTime(), new Date(2027, 0, 1, 0, 0, 3).getTime()]);
  });

  it('gives lines without timestamp or program (sshd -E) the fallback time, and only when asked to', () => {
    const line = 'Invalid user x from 203.0.113.1 port 5';
    expect(new SshdParser({ referenceTime: REF }).parseLine(line)).toBeNull();
    expect(new SshdParser({ referenceTime: REF, fallbackTime: () => 42 }).parseLine(line)?.time).toBe(42);
  });

  // Found in review: with no pid to tell them apart, a bot's parallel connections from one address were one.
  it('tells connections apart by port where a line has no pid (sshd -E)', () => {
    const parser = new SshdParser({ referenceTime: REF, fallbackTime: () => 42 });
    const counts = [
      'Invalid user a from 203.0.113.9 port 1001',
      'Invalid user b from 203.0.113.9 port 1002',
      'Failed password for invalid user a from 203.0.113.9 port 1001 ssh2',
      'Failed password for invalid user b from 203.0.113.9 port 1002 ssh2',
    ].map((line) => parser.parseLine(line)?.count);
    expect(counts).toEqual([1, 1, 0, 0]);
    expect(parser.stats.attempts).toBe(2);
  });

  it('skips other programs sharing auth.log', () => {
    const parser = new SshdParser({ referenceTime: REF });
    expect(
      parser.parseLine('Feb 15 14:23:12 web1 sudo: Failed password for root from 203.0.113.1 port 5 ssh2'),
    ).toBeNull();
    expect(parser.stats.skipped['not-sshd']).toBe(1);
  });

  it("keeps other programs' stamps out of the year inference", () => {
    // Read as sshd's, the cron line (half a year on, within the year) would make the June line that follows a
    // line of the next year.
    const parser = new SshdParser({ referenceTime: new Date(2026, 6, 5).getTime() });
    const year = (line: string) => new Date(parser.parseLine(line)!.time).getFullYear();
    expect(year('Jul  1 10:00:00 web1 sshd[1]: Failed password for root from 203.0.113.1 port 5 ssh2')).toBe(2026);
    expect(
      parser.parseLine('Dec 30 10:00:00 web1 CRON[2]: pam_unix(cron:session): session opened for user root'),
    ).toBeNull();
    expect(year('Jun 25 10:00:00 web1 sshd[3]: Failed password for root from 203.0.113.2 port 5 ssh2')).toBe(2026);
  });
});

describe('attempts are counted once', () => {
  function attempts(lines: string[]): number {
    const parser = new SshdParser({ referenceTime: REF });
    for (const line of lines) parser.parseLine(H + line);
    return parser.stats.attempts;
  }

  it('merges Invalid user, PAM failure and Failed password of one try', () => {
    expect(
      attempts([
        'Invalid user admin from 203.0.113.5 port 5',
        'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5',
        'Failed password for invalid user admin from 203.0.113.5 port 5 ssh2',
        'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5',
        'Failed password for invalid user admin from 203.0.113.5 port 5 ssh2',
        'Connection closed by invalid user admin 203.0.113.5 port 5 [preauth]',
      ]),
    ).toBe(2);
  });

  it('counts an Invalid user with no password try as one attempt', () => {
    expect(
      attempts([
        'Invalid user admin from 203.0.113.5 port 5',
        'Connection closed by invalid user admin 203.0.113.5 port 5 [preauth]',
      ]),
    ).toBe(1);
  });

  it('counts the max-attempts summary only when no failure was seen', () => {
    expect(
      attempts([
        'Failed password for root from 203.0.113.5 port 5 ssh2',
        'Failed password for root from 203.0.113.5 port 5 ssh2',
        'error: maximum authentication attempts exceeded for root from 203.0.113.5 port 5 ssh2 [preauth]',
      ]),
    ).toBe(2);
    expect(
      attempts(['error: maximum authentication attempts exceeded for root from 203.0.113.5 port 5 ssh2 [preauth]']),
    ).toBe(1);
  });

  it('reads `message repeated N times` as N attempts', () => {
    expect(attempts(['message repeated 3 times: [ Failed password for root from 203.0.113.5 port 5 ssh2]'])).toBe(3);
    // A count no rsyslog wrote (found in review: 400 digits made the count Infinity, null in --json).
    const huge = `message repeated ${'9'.repeat(400)} times: [ Failed password for root from 203.0.113.5 port 5 ssh2]`;
    expect(attempts([huge])).toBe(1_000_000);
  });

  it('does not call the close of a logged-in session a probe', () => {
    const parser = new SshdParser({ referenceTime: REF });
    parser.parseLine(`${H}Accepted password for alice from 192.0.2.44 port 41000 ssh2`);
    expect(parser.parseLine(`${H}Connection closed by 192.0.2.44 port 41000`)?.kind).toBe('disconnect');
  });
});

describe('unpadded syslog days', () => {
  it('reads `Feb 7 16:01:07` as well as `Feb  7 16:01:07`', () => {
    const parser = new SshdParser({ referenceTime: REF });
    const a = parser.parseLine('Feb 7 16:01:07 h sshd[1]: Invalid user x from 203.0.113.1 port 5');
    const b = parser.parseLine('Feb  7 16:01:08 h sshd[2]: Invalid user x from 203.0.113.1 port 5');
    expect(a?.time).toBe(new Date(2026, 1, 7, 16, 1, 7).getTime());
    expect(b?.time).toBe(new Date(2026, 1, 7, 16, 1, 8).getTime());
  });
});

describe('parser memory across a restart', () => {
  it('still pairs an announced try with its Failed line after snapshot and restore (JSON)', () => {
    const first = new SshdParser({ referenceTime: REF });
    expect(first.parseLine(`${H}Invalid user admin from 203.0.113.5 port 5`)?.count).toBe(1);
    const saved = JSON.parse(JSON.stringify(first.snapshot()));
    const resumed = new SshdParser({ referenceTime: REF }, saved);
    expect(resumed.parseLine(`${H}Failed password for invalid user admin from 203.0.113.5 port 5 ssh2`)?.count).toBe(0);
    expect(
      new SshdParser({ referenceTime: REF }).parseLine(
        `${H}Failed password for invalid user admin from 203.0.113.5 port 5 ssh2`,
      )?.count,
    ).toBe(1);
  });

  it('ignores a snapshot of the wrong shape', () => {
    const parser = new SshdParser({ referenceTime: REF }, { connections: [42, ['k'], null] });
    expect(parser.parseLine(`${H}Failed password for root from 203.0.113.5 port 5 ssh2`)?.count).toBe(1);
  });
});

describe('connections that end in two lines, and reused pids', () => {
  function events(lines: string[]) {
    const parser = new SshdParser({ referenceTime: REF });
    const out = lines.map((line) => parser.parseLine(H + line));
    return { out: out.map((e) => e && [e.kind, e.count]), attempts: parser.stats.attempts };
  }

  it('counts a try once when the client disconnects (Received disconnect, then Disconnected from)', () => {
    const { out, attempts } = events([
      'Invalid user admin from 203.0.113.5 port 5',
      'Failed password for invalid user admin from 203.0.113.5 port 5 ssh2',
      'Received disconnect from 203.0.113.5 port 5:11: Bye Bye [preauth]',
      'Disconnected from invalid user admin 203.0.113.5 port 5 [preauth]',
    ]);
    expect(attempts).toBe(1);
    expect(out.slice(2)).toEqual([
      ['disconnect', 0],
      ['disconnect', 0],
    ]);
  });

  it('counts a probe once when it ends in two lines', () => {
    expect(
      events([
        'Received disconnect from 203.0.113.5 port 5:11: Bye Bye [preauth]',
        'Disconnected from 203.0.113.5 port 5 [preauth]',
      ]).out,
    ).toEqual([
      ['disconnect', 0],
      ['probe', 1],
    ]);
  });

  // Found in review: a key-only server's usual end of a rejected client, whose publickey offers INFO does not log.
  // The second line says a try was made; the first does not, and used to count the connection as a probe.
  it('counts a connection as a failure when its second close line says a user was authenticating', () => {
    expect(
      events([
        'Received disconnect from 203.0.113.5 port 5:11: Bye Bye [preauth]',
        'Disconnected from authenticating user root 203.0.113.5 port 5 [preauth]',
      ]).out,
    ).toEqual([
      ['disconnect', 0],
      ['failure', 1],
    ]);
    // What the first line says itself still counts at once (code 14: no method left, the client did try).
    expect(
      events([
        'Received disconnect from 203.0.113.5 port 5:14: No supported authentication methods available [preauth]',
        'Disconnected from authenticating user root 203.0.113.5 port 5 [preauth]',
      ]).out,
    ).toEqual([
      ['failure', 1],
      ['disconnect', 0],
    ]);
  });

  // Found in review: OpenSSH 9.8+'s listener writes the login timeout of its child's connection under its own pid,
  // naming the child's: the connection's attempts were counted under that pid, and are not counted again.
  it("reads the listener's login timeout as the end of the connection it names by pid", () => {
    const parser = new SshdParser({ referenceTime: REF });
    const lines = [
      'sshd-session[2001]: Failed password for root from 203.0.113.5 port 5 ssh2',
      'sshd[900]: Timeout before authentication for connection from 203.0.113.5 to 198.51.100.1, pid = 2001',
      'sshd[900]: Timeout before authentication for connection from 203.0.113.6 to 198.51.100.1, pid = 2002',
    ];
    const out = lines.map((l) => parser.parseLine(`Feb 15 14:23:12 web1 ${l}`)).map((e) => e && [e.kind, e.count]);
    expect(out).toEqual([
      ['failure', 1],
      ['disconnect', 0],
      ['probe', 1],
    ]);
  });

  it('does not let a connection on a reused pid inherit the state of another address', () => {
    // sshd writes no close line after `Too many authentication failures`: the pid's state stays behind.
    const { out } = events([
      'Failed password for root from 203.0.113.5 port 5 ssh2',
      'error: maximum authentication attempts exceeded for root from 203.0.113.5 port 5 ssh2 [preauth]',
      'Disconnecting authenticating user root 203.0.113.5 port 5: Too many authentication failures [preauth]',
      'Connection closed by 198.51.100.7 port 6 [preauth]',
      'Connection closed by authenticating user root 198.51.100.8 port 7 [preauth]',
    ]);
    expect(out.slice(3)).toEqual([
      ['probe', 1],
      ['failure', 1],
    ]);
  });

  it("counts PAM's summary written after the close line (Loghub, pid 24369) as no new attempt", () => {
    const rhost = 'logname= uid=0 euid=0 tty=ssh ruser= rhost=5.188.10.180';
    expect(
      events([
        'Invalid user admin from 5.188.10.180',
        'input_userauth_request: invalid user admin [preauth]',
        `pam_unix(sshd:auth): authentication failure; ${rhost}`,
        'Failed password for invalid user admin from 5.188.10.180 port 60682 ssh2',
        'Failed password for invalid user admin from 5.188.10.180 port 60682 ssh2',
        'Connection closed by 5.188.10.180 [preauth]',
        `PAM 1 more authentication failure; ${rhost}`,
      ]).attempts,
    ).toBe(2);
  });

  it('still counts a summary that is the first line of a new connection on the pid', () => {
    expect(
      events([
        'Connection closed by 198.51.100.7 port 6 [preauth]',
        'error: maximum authentication attempts exceeded for root from 203.0.113.5 port 5 ssh2 [preauth]',
      ]).out,
    ).toEqual([
      ['probe', 1],
      ['failure', 1],
    ]);
  });

  it('still pairs a PAM line naming the host by name (UseDNS) with the Failed line naming its address', () => {
    expect(
      events([
        'Invalid user admin from 203.0.113.5 port 5',
        'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=host.example.org',
        'Failed password for invalid user admin from 203.0.113.5 port 5 ssh2',
      ]).attempts,
    ).toBe(1);
  });

  // Found in review (Loghub, pid 24227): the try that a host-named line announces is the address's, not the name's.
  it('charges a try announced under a host name (UseDNS) to the address of its Failed line', () => {
    const { out, attempts } = events([
      'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=dsl.example.net  user=root',
      'Failed password for root from 203.0.113.5 port 5 ssh2',
      'User root from dsl.example.net not allowed because not listed in AllowUsers',
      'Failed password for invalid user root from 203.0.113.5 port 5 ssh2',
    ]);
    expect(out).toEqual([
      ['failure', 0],
      ['failure', 1],
      ['failure', 0],
      ['failure', 1],
    ]);
    expect(attempts).toBe(2);
  });
});

describe('header corner cases', () => {
  it('reads a host named like the program (`sshd sshd[7]: `)', () => {
    for (const host of ['sshd', 'sshd-session', 'sshd-auth']) {
      const event = one('Invalid user x from 203.0.113.1 port 5', `Feb 15 14:23:12 ${host} sshd[7]: `);
      expect(event).toMatchObject({ host, pid: 7, ip: '203.0.113.1' });
      expect(one('Invalid user x from 203.0.113.1 port 5', `Feb 15 14:23:12 ${host} sshd: `)).toMatchObject({ host });
    }
  });

  it('reads Feb 29 as the leap day of the latest leap year, never as Mar 1', () => {
    const parser = new SshdParser({ referenceTime: new Date(2025, 2, 5).getTime() });
    const times = ['Feb 29 12:00:00', 'Mar  1 00:30:00'].map(
      (stamp) => parser.parseLine(`${stamp} h sshd[1]: Invalid user x from 203.0.113.1 port 5`)?.time,
    );
    expect(times).toEqual([new Date(2024, 1, 29, 12).getTime(), new Date(2024, 2, 1, 0, 30).getTime()]);
  });

  it('takes the reference time when the first line comes, given a clock (live, across New Year)', () => {
    let now = new Date(2026, 11, 31, 23, 59, 30).getTime();
    const parser = new SshdParser({ referenceTime: () => now });
    now = new Date(2027, 0, 1, 0, 0, 6).getTime();
    expect(parser.parseLine('Jan  1 00:00:05 h sshd[1]: Invalid user x from 203.0.113.1 port 5')?.time).toBe(
      new Date(2027, 0, 1, 0, 0, 5).getTime(),
    );
  });
});

describe('journal entries (fields apart)', () => {
  it('reads a MESSAGE ending in the \\r of `sshd -e` (journald keeps it, journalctl gives such a field as bytes)', () => {
    const parser = new SshdParser({ referenceTime: REF });
    const bytes = [...Buffer.from('Connection closed by 192.0.2.44 port 41000 [preauth]'), 13];
    const message = Buffer.from(bytes).toString('utf8');
    expect(parser.parseMessage({ time: 1, program: 'sshd', pid: 7, message })).toMatchObject({
      kind: 'probe',
      ip: '192.0.2.44',
    });
  });
});
