import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';

/**
 * What a real sshd wrote: Debian 12's OpenSSH 9.2p1 with `UsePAM yes`, `KbdInteractiveAuthentication yes` and
 * `PasswordAuthentication yes` (OpenSSH's own defaults; Debian ships keyboard-interactive off, RHEL and others on),
 * logging through syslog(3) to rsyslog, one wrong password per prompt (ssh driven by pexpect), in order:
 * - pid 30254: user r2tester (exists), keyboard-interactive, 4 tries;
 * - pid 30345: nosuchuser (does not exist), keyboard-interactive, 3 tries;
 * - pid 30458: r2tester, password, 2 tries;
 * - pid 30522: r2tester, one keyboard-interactive try, then one password try.
 * For keyboard-interactive, pam_unix runs in a process of its own (a new pid for every try: 30267, 30309, ...) and
 * sshd's monitor writes `error: PAM: Authentication failure for ...` for the try, and `Failed
 * keyboard-interactive/pam` only for a user that does not exist, or once half of MaxAuthTries have failed.
 */
const PAM_TRIES = new URL('./fixtures/openssh-9.2-pam-tries.log', import.meta.url);
/**
 * The same sshd: r2tester logs in with its password, runs `echo hi` and logs out. The session's process (pid 3043,
 * running as the user) writes the lines of its end, under a pid the monitor's `Accepted` line (3037) does not have.
 */
const LOGIN = new URL('./fixtures/openssh-9.2-login.log', import.meta.url);

function events(log: URL): AuthEvent[] {
  const parser = new SshdParser({ referenceTime: Date.UTC(2026, 10, 24) });
  const out: AuthEvent[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const event = parser.parseLine(line);
    if (event !== null) out.push(event);
  }
  return out;
}

function attemptsByPid(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const event of events(PAM_TRIES)) {
    if (event.kind === 'failure') byPid.set(event.pid!, (byPid.get(event.pid!) ?? 0) + event.count);
  }
  return byPid;
}

describe('tries through PAM, as a real sshd logs them', () => {
  it('counts each try once, on the connection that made it', () => {
    const counted = [...attemptsByPid()].filter(([, count]) => count > 0);
    expect(new Map(counted)).toEqual(
      new Map([
        [30254, 4],
        [30345, 3],
        [30458, 2],
        [30522, 2],
      ]),
    );
  });
});

describe('a login, as a real sshd logs it', () => {
  it("takes the end of the user's session for no probe and no failure", () => {
    const counted = events(LOGIN)
      .filter((e) => e.count > 0)
      .map((e) => [e.kind, e.reason, e.pid]);
    expect(counted).toEqual([['success', 'accepted', 3037]]);
  });
});

/**
 * The same sshd with `UseDNS yes`: sshd's `PAM:` line names the host (`localhost`), its `Failed` and close lines the
 * address. r2tester (exists) makes 2 keyboard-interactive tries in pid 17980, nosuchuser 1 in pid 18074.
 */
const USEDNS = new URL('./fixtures/openssh-9.2-usedns-pam-tries.log', import.meta.url);

describe('tries through PAM with UseDNS, as a real sshd logs them', () => {
  it("charges no try to the host name; an existing user's tries with no Failed line reach the address as one", () => {
    const counted = events(USEDNS)
      .filter((e) => e.count > 0)
      .map((e) => [e.ip, e.count, e.reason]);
    expect(counted).toEqual([
      ['127.0.0.1', 1, 'closed-preauth'],
      ['127.0.0.1', 1, 'invalid-user'],
    ]);
  });
});
