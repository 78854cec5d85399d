import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { installBundledFail2ban } from '../helpers/fail2ban-config.js';

/**
 * `check` asks the host's fail2ban-server whether it runs the f2b-campaign jail only when the configuration checked is
 * /etc/fail2ban (the one a running server loaded), and with fail2ban-client's own socket, which fail2ban.conf names:
 * there is no option to point it elsewhere. So the bundled program runs in namespaces of its own (mount, pid,
 * network) where a copy of the host's /etc/fail2ban, with the bundled jail installed, is bound over /etc/fail2ban,
 * and that copy's fail2ban.local puts the socket, pid file and log in the test's directory (the database in
 * memory): the lines are the same whether or not the host runs fail2ban, and the host's files, server and firewall
 * are not touched. A server, where a case has one, is the real fail2ban-server started there on that socket, and
 * goes with the namespace. Root only (unshare).
 */
const t = bundledCliSuite('check-server');
let cases = 0;

/** A fail2ban configuration and a service configuration on which every other line of check is ok. */
function setUp(): { fail2ban: string; config: string; verdicts: string } {
  const dir = join(t.dir, `case-${++cases}`);
  const fail2ban = join(dir, 'fail2ban');
  cpSync('/etc/fail2ban', fail2ban, { recursive: true });
  installBundledFail2ban(fail2ban, dir);
  const verdicts = join(dir, 'var', 'verdicts.log');
  mkdirSync(join(dir, 'var'));
  writeFileSync(verdicts, '');
  writeFileSync(join(dir, 'auth.log'), '');
  writeFileSync(
    join(fail2ban, 'fail2ban.local'),
    `[Definition]\nsocket = ${join(dir, 'server.sock')}\npidfile = ${join(dir, 'server.pid')}\n` +
      `logtarget = ${join(dir, 'server.log')}\ndbfile = :memory:\n`,
  );
  // sshd's own log: fail2ban-client -t refuses a jail whose log is not there (Debian's is /var/log/auth.log).
  writeFileSync(join(fail2ban, 'jail.local'), `[sshd]\nlogpath = ${join(dir, 'auth.log')}\n`);
  writeFileSync(join(fail2ban, 'jail.d', 'f2b-campaign.local'), `[f2b-campaign]\nlogpath = ${verdicts}\n`);
  const config = join(dir, 'f2b-campaign.conf');
  writeFileSync(
    config,
    `[service]\nauth_log = ${join(dir, 'auth.log')}\nstate_dir = ${join(dir, 'var')}\n` +
      `runtime_dir = ${join(dir, 'var')}\nverdict_log = ${verdicts}\n`,
  );
  return { fail2ban, config, verdicts };
}

/** check's fail2ban jail lines and exit code; `before` runs in the namespace first (a server to start). */
async function checkInNamespace(
  fail2ban: string,
  config: string,
  before = '',
): Promise<{ code: number; lines: string[] }> {
  const shell = `mount --bind "$1" /etc/fail2ban && ${before} exec "$2" "$3" check --config "$4"`;
  const args = [
    '-m',
    '-n',
    '-p',
    '-f',
    '--mount-proc',
    'sh',
    '-c',
    shell,
    'sh',
    fail2ban,
    process.execPath,
    t.bundle,
    config,
  ];
  let code = 0;
  let stdout = '';
  try {
    stdout = (await promisify(execFile)('unshare', args, { timeout: 120_000 })).stdout;
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    if (typeof e.code !== 'number') throw error;
    code = e.code;
    stdout = e.stdout ?? '';
  }
  expect(stdout).toMatch(/^f2b-campaign check: /m); // check ran to its end
  return { code, lines: stdout.split('\n').filter((line) => /^\w+\s+fail2ban jail:/.test(line)) };
}

const wired = (verdicts: string): string =>
  `[f2b-campaign] is enabled and watches ${verdicts}, which the service can write (fail2ban-client -d)`;

describe("check, for the host's fail2ban-server", () => {
  it.skipIf(process.getuid?.() !== 0)(
    'warns, and still passes, when no fail2ban-server answers on /etc/fail2ban',
    async () => {
      const { fail2ban, config, verdicts } = setUp();
      const { code, lines } = await checkInNamespace(fail2ban, config);
      expect(lines).toEqual([
        `warning fail2ban jail: ${wired(verdicts)}; but no fail2ban-server answers: nothing is banned until it runs`,
      ]);
      expect(code).toBe(0); // a warning fails nothing
    },
    120_000,
  );

  it.skipIf(process.getuid?.() !== 0)(
    'says the running fail2ban has the jail when a fail2ban-server answers with it',
    async () => {
      const { fail2ban, config, verdicts } = setUp();
      const { code, lines } = await checkInNamespace(fail2ban, config, 'fail2ban-client start >/dev/null &&');
      expect(lines).toEqual([`ok      fail2ban jail: ${wired(verdicts)}; the running fail2ban has the jail`]);
      expect(code).toBe(0);
    },
    120_000,
  );

  it.skipIf(process.getuid?.() !== 0)(
    'fails when the fail2ban-server that answers runs without the jail (enabled since it started)',
    async () => {
      const { fail2ban, config, verdicts } = setUp();
      const local = join(fail2ban, 'jail.d', 'f2b-campaign.local');
      writeFileSync(local, `[f2b-campaign]\nenabled = false\nlogpath = ${verdicts}\n`);
      const enable = `printf '[f2b-campaign]\\nlogpath = ${verdicts}\\n' > ${local} &&`;
      const { code, lines } = await checkInNamespace(fail2ban, config, `fail2ban-client start >/dev/null && ${enable}`);
      expect(lines).toEqual([
        'error   fail2ban jail: fail2ban runs without the f2b-campaign jail: run fail2ban-client reload',
      ]);
      expect(code).toBe(1);
    },
    120_000,
  );
});
