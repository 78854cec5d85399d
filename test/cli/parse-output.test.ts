import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';

/**
 * `parse` shows an administrator what sshd's log says, on a terminal. A username is the client's: sshd escapes what
 * it writes itself, but a PAM module (pam_sss) logs the name it was given as it is, and a right-to-left override in it
 * showed `toor` as `root` (JSON quoting leaves it in), as the audit shows usernames already (docs/audit.md).
 */
describe('parse, on a terminal', () => {
  const { dir, run } = bundledCliSuite('parse-output');

  it('writes a username as a verdict value: control bytes and non-ASCII as \\xHH, a plain name bare', async () => {
    const log = join(dir, 'auth.log');
    writeFileSync(
      log,
      [
        'Nov 24 01:05:03 vm sshd[17982]: pam_sss(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9 user=\u202etoor\u001b[2J',
        'Nov 24 01:05:05 vm sshd[17980]: Failed password for r2tester from 203.0.113.9 port 4242 ssh2',
        '',
      ].join('\n'),
    );
    const { code, stdout } = await run(['parse', log]);
    expect(code).toBe(0);
    const users = stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t').at(-1));
    expect(users).toEqual(['user="\\xe2\\x80\\xaetoor\\x1b[2J"', 'user=r2tester']);
    expect(stdout).toMatch(/^[\x20-\x7e\t\n]*$/);
  });

  it('--json keeps the name, as JSON, in printable ASCII: non-ASCII and DEL as \\uXXXX', async () => {
    const log = join(dir, 'auth-json.log');
    // U+009B is CSI to a terminal that reads 8-bit controls (xterm does); JSON.stringify leaves it as it is.
    const name = '\u202etoor\u009b2J\u007f\u001b[2J';
    writeFileSync(
      log,
      `Nov 24 01:05:03 vm sshd[17982]: pam_sss(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9 user=${name}\n`,
    );
    const { code, stdout } = await run(['parse', log, '--json']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^[\x20-\x7e\n]*$/);
    expect((JSON.parse(stdout) as { user: string }).user).toBe(name);
  });
});
