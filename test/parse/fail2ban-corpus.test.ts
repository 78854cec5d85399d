import { describe, expect, it } from 'vitest';
import { walkCorpus } from './fail2ban-corpus.js';

/**
 * Lines of fail2ban's sshd sample log where we deliberately do not produce fail2ban's expected address, with why.
 * Anything else that disagrees fails the test.
 */
const EXCEPTIONS: Array<[RegExp, string]> = [
  [
    /ssh2: from 10\.10\.1\.2 port 55555 ssh2$/,
    "the fixture assumes an auth-info suffix after a password failure; OpenSSH's password method writes none, so " +
      'the text after `ssh2` can only be the username and the last address is the one sshd wrote',
  ],
  [
    /Disconnecting: Too many authentication failures|Read from socket failed|kex_exchange_identification|Unable to negotiate a key exchange method|no matching mac found/,
    'the line names no address (fail2ban ties it to an earlier line by pid); an event may only carry an address written in its own line',
  ],
];

describe("fail2ban's sshd corpus", () => {
  const { cases, allEvents } = walkCorpus();

  it('yields an event for the expected address on every matching line, exceptions listed with reasons', () => {
    const disagreements = cases.filter((c) => !c.gotIps.includes(c.expectedHost));
    const explained = disagreements.map((c) => ({ c, why: EXCEPTIONS.find(([re]) => re.test(c.line))?.[1] }));
    const agreed = cases.length - disagreements.length;
    const lines = [
      `fail2ban sshd corpus: ${agreed}/${cases.length} matching lines agree (${((100 * agreed) / cases.length).toFixed(1)}%)`,
      ...explained.map(
        ({ c, why }) => `  line ${c.lineNo}: expected ${c.expectedHost}, got [${c.gotIps}]: ${why ?? 'UNEXPLAINED'}`,
      ),
    ];
    console.log(lines.join('\n'));
    expect(explained.filter((e) => e.why === undefined).map((e) => e.c.line)).toEqual([]);
    expect(cases.length).toBeGreaterThan(90);
    expect(agreed / cases.length).toBeGreaterThan(0.85);
  });

  it('never gives an event an address that is not written in its line', () => {
    expect(allEvents.length).toBeGreaterThan(90);
    for (const { line, ip } of allEvents) {
      // Our IPv6 text is canonical (compressed, lower case); the line may spell it otherwise.
      const spelled =
        line.toLowerCase().includes(ip) || (ip.includes(':') && line.toLowerCase().includes(ip.split('::')[0]!));
      expect(spelled, `${ip} not in: ${line}`).toBe(true);
    }
  });
});
