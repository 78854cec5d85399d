import { describe, expect, it } from 'vitest';
import { readFail2banThresholds } from '../../src/fail2ban/read-thresholds.js';
import { fail2banConfigCopies } from '../helpers/fail2ban-config.js';

const configDir = fail2banConfigCopies('jail-edges');

const MIN = 60_000;

describe('reading the jail files as fail2ban does, at their edges', () => {
  it.each([false, true])('reads option names in any case, as configparser does (useClient %s)', async (useClient) => {
    const dir = configDir({ 'jail.local': '[sshd]\nMaxRetry = 3\nFINDTIME = 1h\n' });
    expect(await readFail2banThresholds({ configDir: dir, useClient })).toMatchObject({
      maxretry: 3,
      findtime: 60 * MIN,
    });
  });

  it.each([false, true])('skips a dot file in jail.d, as its glob does (useClient %s)', async (useClient) => {
    const dir = configDir({ 'jail.d/.old.local': '[sshd]\nmaxretry = 9\n', 'jail.local': '[sshd]\nmaxretry = 4\n' });
    expect(await readFail2banThresholds({ configDir: dir, useClient })).toMatchObject({ maxretry: 4 });
  });

  it.each([false, true])(
    'keeps a ; inside a word, which starts a comment only after white space (useClient %s)',
    async (useClient) => {
      const dir = configDir({
        'jail.local': '[sshd]\nignorecommand = /usr/local/bin/is-office <ip>;true ; is it ours?\n',
      });
      const warnings: string[] = [];
      await readFail2banThresholds({ configDir: dir, useClient, onWarning: (m) => warnings.push(m) });
      expect(warnings).toEqual([
        expect.stringContaining('has ignorecommand = /usr/local/bin/is-office <ip>;true, which'),
      ]);
    },
  );

  it.each([false, true])(
    "reads an include's .local after it, as configparserinc does (useClient %s)",
    async (useClient) => {
      // jail.conf includes paths-debian.conf before itself, and with it paths-debian.local: an ignoreip there protects.
      const dir = configDir({ 'paths-debian.local': '[DEFAULT]\nignoreip = 192.0.2.0/24\n' });
      expect((await readFail2banThresholds({ configDir: dir, useClient })).ignoreip).toContain('192.0.2.0/24');
    },
  );

  it('reads a chain of references as deep as fail2ban reads it, and refuses one step deeper, through both readers', async () => {
    // configparser gives up after 10 steps; jail.conf's maxmatches = %(maxretry)s adds one to maxretry's chain.
    const chain = (steps: number): string =>
      ['[DEFAULT]', ...Array.from({ length: steps - 1 }, (_, i) => `a${i + 1} = %(a${i + 2})s`), `a${steps} = 3`]
        .concat('[sshd]', 'maxretry = %(a1)s')
        .join('\n');
    const deepest = configDir({ 'jail.local': chain(9) });
    const deeper = configDir({ 'jail.local': chain(10) });
    for (const useClient of [false, true]) {
      expect(await readFail2banThresholds({ configDir: deepest, useClient }), `${useClient}`).toMatchObject({
        maxretry: 3,
      });
      await expect(readFail2banThresholds({ configDir: deeper, useClient }), `${useClient}`).rejects.toMatchObject({
        code: 'BAD_FAIL2BAN_REFERENCE',
        message: expect.stringContaining('maxmatches = %(maxretry)s in [sshd]: fail2ban cannot interpolate'),
      });
    }
  });

  it('reads bantime = 0 as a ban that ends at once, not a permanent one, through both readers', async () => {
    // fail2ban's permanent ban is -1 only; a ticket whose ban ends when it starts is dropped as expired.
    const dir = configDir({ 'jail.local': '[sshd]\nbantime = 0\n' });
    for (const useClient of [false, true])
      expect(await readFail2banThresholds({ configDir: dir, useClient }), `${useClient}`).toMatchObject({ bantime: 0 });
  });

  it("takes every one of configparser's true words for enabled, through both readers", async () => {
    // fail2ban runs a jail with enabled = 1 or On: calling it disabled would send the admin to the wrong jail.
    for (const word of ['1', 'On', 'yes']) {
      const dir = configDir({ 'jail.local': `[sshd]\nenabled = ${word}\nmaxretry = 4\n` });
      for (const useClient of [false, true]) {
        const warnings: string[] = [];
        const got = await readFail2banThresholds({ configDir: dir, useClient, onWarning: (m) => warnings.push(m) });
        expect(got.maxretry, `${word} ${useClient}`).toBe(4);
        expect(warnings, `${word} ${useClient}`).toEqual([]);
      }
    }
  });
});
