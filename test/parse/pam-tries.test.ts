import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
const LOG = new URL('./fixtures/openssh-9.2-pam-tries.log', import.meta.url);

function attemptsByPid(): Map<number, number> {
  const parser = new SshdParser({ referenceTime: Date.UTC(2026, 10, 24) });
  const byPid = new Map<number, number>();
  for (const line of readFileSync(LOG, 'utf8').split('\n')) {
    const event = parser.parseLine(line);
    if (event?.kind === 'failure') byPid.set(event.pid!, (byPid.get(event.pid!) ?? 0) + event.count);
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
