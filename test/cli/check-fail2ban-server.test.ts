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
 * there is no option to point it elsewhere. So the bundled program runs in a mount namespace of its own where a copy
 * of the host's /etc/fail2ban, with the bundled jail installed, is bound over /etc/fail2ban, and that copy's
 * fail2ban.local names a socket in the test's directory that no server listens on: the line is the same whether or
 * not the host runs fail2ban, and the host's files are not touched. Root only (unshare -m).
 */
const t = bundledCliSuite('check-server');

async function checkInNamespace(fail2ban: string, config: string): Promise<{ code: number; stdout: string }> {
  const shell = 'mount --bind "$1" /etc/fail2ban && exec "$2" "$3" check --config "$4"';
  const args = ['-m', 'sh', '-c', shell, 'sh', fail2ban, process.execPath, t.bundle, config];
  try {
    const { stdout } = await promisify(execFile)('unshare', args, { timeout: 120_000 });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '' };
  }
}

describe("check, for the host's fail2ban-server", () => {
  it.skipIf(process.getuid?.() !== 0)(
    'warns, and still passes, when no fail2ban-server answers on /etc/fail2ban',
    async () => {
      const fail2ban = join(t.dir, 'fail2ban');
      cpSync('/etc/fail2ban', fail2ban, { recursive: true });
      installBundledFail2ban(fail2ban);
      const verdicts = join(t.dir, 'var', 'verdicts.log');
      mkdirSync(join(t.dir, 'var'));
      writeFileSync(verdicts, '');
      writeFileSync(join(t.dir, 'auth.log'), '');
      writeFileSync(join(fail2ban, 'fail2ban.local'), `[Definition]\nsocket = ${join(t.dir, 'no-server.sock')}\n`);
      // sshd's own log: fail2ban-client -t refuses a jail whose log is not there (Debian's is /var/log/auth.log).
      writeFileSync(join(fail2ban, 'jail.local'), `[sshd]\nlogpath = ${join(t.dir, 'auth.log')}\n`);
      writeFileSync(join(fail2ban, 'jail.d', 'f2b-campaign.local'), `[f2b-campaign]\nlogpath = ${verdicts}\n`);
      const config = join(t.dir, 'f2b-campaign.conf');
      writeFileSync(
        config,
        `[service]\nauth_log = ${join(t.dir, 'auth.log')}\nstate_dir = ${join(t.dir, 'var')}\n` +
          `runtime_dir = ${join(t.dir, 'var')}\nverdict_log = ${verdicts}\n`,
      );

      const { code, stdout } = await checkInNamespace(fail2ban, config);

      expect(stdout.split('\n').filter((line) => /^\w+\s+fail2ban jail:/.test(line))).toEqual([
        `warning fail2ban jail: [f2b-campaign] is enabled and watches ${verdicts}, which the service can write ` +
          '(fail2ban-client -d); but no fail2ban-server answers: nothing is banned until it runs',
      ]);
      expect(stdout).toContain('f2b-campaign check: all good\n'); // a warning fails nothing
      expect(code).toBe(0);
    },
    120_000,
  );
});
