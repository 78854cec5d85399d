import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';

describe('the command line', () => {
  const { dir, run } = bundledCliSuite('cli');

  it.each(['parse', 'replay', 'run', 'check', 'audit', 'simulate', 'record'])(
    'answers an unknown option to %s with its usage and exit 64, not a crash',
    async (command) => {
      const { code, stderr } = await run([command, '--no-such-option']);
      expect(code).toBe(64);
      expect(stderr).toContain(`f2b-campaign ${command}: Unknown option '--no-such-option'`);
      expect(stderr).toContain(`usage: f2b-campaign ${command}`);
      expect(stderr).not.toMatch(/at .*\.mjs:\d+/);
    },
  );

  it("check warns about what of fail2ban's sshd jail f2b-campaign cannot honour as fail2ban does", async () => {
    const fail2ban = join(dir, 'fail2ban');
    cpSync('/etc/fail2ban', fail2ban, { recursive: true });
    writeFileSync(join(fail2ban, 'jail.d', 'defaults-debian.conf'), '[sshd]\nenabled = false\n');
    writeFileSync(
      join(fail2ban, 'jail.local'),
      '[sshd]\nignoreip = 127.0.0.1/8 no-such-host.invalid\nignorecommand = /bin/true\n' +
        '[sshd-slow]\nenabled = true\nfilter = sshd\nlogpath = /dev/null\n',
    );
    mkdirSync(join(dir, 'var'));
    writeFileSync(join(dir, 'auth.log'), '');
    const config = join(dir, 'f2b-campaign.conf');
    writeFileSync(
      config,
      `[service]\nauth_log = ${join(dir, 'auth.log')}\nstate_dir = ${join(dir, 'var')}\n` +
        `runtime_dir = ${join(dir, 'var')}\nverdict_log = ${join(dir, 'var', 'verdicts.log')}\n`,
    );
    const { stdout } = await run(['check', '--config', config, '--fail2ban-dir', fail2ban]);
    const warnings = stdout.split('\n').filter((line) => line.startsWith('warning thresholds: '));
    expect(warnings).toEqual([
      expect.stringMatching(/the \[sshd\] jail is disabled: .*fail2ban runs sshd-slow/),
      expect.stringMatching(/ignoreip no-such-host\.invalid does not resolve/),
      expect.stringMatching(/the \[sshd\] jail has ignorecommand = \/bin\/true, which f2b-campaign does not run/),
    ]);
  });

  it('answers an unknown command with the command list and exit 64', async () => {
    const { code, stderr } = await run(['frobnicate']);
    expect(code).toBe(64);
    expect(stderr).toContain('unknown command "frobnicate"');
    expect(stderr).toContain('replay');
  });
});
