import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import { NeverBan } from '../../src/correlate/never-ban.js';
import { dumpFail2banConfig } from '../../src/fail2ban/client-dump.js';
import { readIgnoreip } from '../../src/fail2ban/ignoreip.js';
import { readFail2banThresholds } from '../../src/fail2ban/read-thresholds.js';
import { bundledFail2banTexts, fail2banConfigCopies } from '../helpers/fail2ban-config.js';

const configDir = fail2banConfigCopies('thresholds');

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Debian's stock figures, for the cases about ignoreip. */
const STOCK = { maxretry: 5, findtime: 10 * MIN, bantime: 10 * MIN };

// Each case is read twice: by fail2ban itself (`fail2ban-client -d`) and by our reading of the files. Both must
// give the expected figures, so the file reader is checked against fail2ban's own parser, not against our guess.
const CASES: ReadonlyArray<{
  title: string;
  files: Record<string, string>;
  expected: { maxretry: number; findtime: number; bantime: number; ignoreip: string[]; campaignBantime?: number };
}> = [
  {
    title: "Debian's stock configuration",
    files: {},
    expected: { maxretry: 5, findtime: 10 * MIN, bantime: 10 * MIN, ignoreip: ['127.0.0.1/8', '::1'] },
  },
  {
    title: 'jail.local [DEFAULT] overrides jail.conf, and a jail.d/*.local overrides jail.local',
    files: {
      'jail.local': '[DEFAULT]\nmaxretry = 3\nfindtime = 1h\nbantime = 2h\n[sshd]\nmaxretry = 4\n',
      'jail.d/50-site.local': '[sshd]\nmaxretry = 6\n',
      'jail.d/zz-site.conf': '[sshd]\nmaxretry = 9 ; a .conf is read before jail.local\n',
    },
    expected: { maxretry: 6, findtime: HOUR, bantime: 2 * HOUR, ignoreip: ['127.0.0.1/8', '::1'] },
  },
  {
    title: 'ignoreip over continuation lines with commas, ignoreself off, %(var)s and %(known/var)s',
    files: {
      'jail.local': [
        '[DEFAULT]',
        'ignoreip = 192.0.2.0/24, 2001:db8::/32',
        '           10.1.2.3',
        'ignoreself = false',
        'slow = 1h 30m',
        '[sshd]',
        'findtime = %(slow)s',
        'bantime = 600',
      ].join('\n'),
      'jail.d/90-more.local': '[sshd]\nbantime = %(known/bantime)s 1m\nmaxretry = 2\n',
    },
    expected: {
      maxretry: 2,
      findtime: 90 * MIN,
      bantime: 11 * MIN,
      ignoreip: ['192.0.2.0/24', '2001:db8::/32', '10.1.2.3'],
    },
  },
  {
    title: 'ignoreip continued past comment and blank lines, in netmask and bracketed forms; durations as sums',
    files: {
      'jail.local': [
        '[DEFAULT]',
        'ignoreip = 127.0.0.1/8 ::1',
        '# the office:',
        '           192.0.2.0/255.255.255.0 ; in netmask form',
        '',
        '           [2001:db8::7]',
        '[sshd]',
        'findtime = 1hour+30min',
        'bantime = 2ww',
      ].join('\n'),
    },
    expected: {
      maxretry: 5,
      findtime: 90 * MIN,
      bantime: 14 * DAY,
      ignoreip: ['127.0.0.1/8', '::1', '192.0.2.0/24', '2001:db8::7'],
    },
  },
  {
    title: '%(known/ignoreip)s with no earlier value in the jail: the final [DEFAULT], set by a later file',
    files: {
      'jail.d/a-site.conf': '[sshd]\nignoreip = %(known/ignoreip)s 10.9.9.9\n',
      'jail.local': '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 192.0.2.0/24\n',
    },
    expected: { ...STOCK, ignoreip: ['127.0.0.1/8', '::1', '192.0.2.0/24', '10.9.9.9'] },
  },
  {
    title: '%(known/ignoreip)s in a jail above [DEFAULT] in the same file',
    files: { 'jail.local': '[sshd]\nignoreip = %(known/ignoreip)s 10.9.9.9\n[DEFAULT]\nignoreip = 192.0.2.0/24\n' },
    expected: { ...STOCK, ignoreip: ['192.0.2.0/24', '10.9.9.9', '127.0.0.1/8', '::1'] },
  },
  {
    title: "%(known/ignoreip)s after the jail's own value, whose %(var)s is read from the final [DEFAULT]",
    files: {
      'jail.local': '[DEFAULT]\noffice = 192.0.2.7\n[sshd]\nignoreip = %(office)s\n',
      'jail.d/x.local': '[sshd]\nignoreip = %(known/ignoreip)s 10.1.1.1\n',
      'jail.d/z.local': '[DEFAULT]\noffice = 192.0.2.8\nignoreip = 203.0.113.0/24\n',
    },
    expected: { ...STOCK, ignoreip: ['192.0.2.8', '10.1.1.1', '127.0.0.1/8', '::1'] },
  },
  {
    title: "%(section/opt)s: that section's own raw value, else [DEFAULT]'s, its own references read in the jail",
    files: {
      'jail.local': [
        '[DEFAULT]',
        'office = 192.0.2.1',
        '[site]',
        'maxretry = 7',
        'findtime = %(slow)s', // read in [sshd], where slow is 3h, not here
        'slow = 2h',
        'ips = %(office)s 10.0.0.1',
        '[sshd]',
        'office = 198.51.100.9',
        'slow = 3h',
        'maxretry = %(site/maxretry)s',
        'findtime = %(site/findtime)s',
        'ignoreip = %(site/ips)s %(site/office)s', // [site] has no office of its own: [DEFAULT]'s
      ].join('\n'),
    },
    expected: {
      maxretry: 7,
      findtime: 3 * HOUR,
      bantime: 10 * MIN,
      ignoreip: ['198.51.100.9', '10.0.0.1', '192.0.2.1', '127.0.0.1/8', '::1'],
    },
  },
  {
    title: '%(default/opt)s read in the jail, and a chain of %(section/opt)s through a section named with a dash',
    files: {
      'jail.local': '[DEFAULT]\nbase = 2\nretries = %(base)s\n[sshd]\nbase = 8\nmaxretry = %(default/retries)s\n',
      'jail.d/site.local':
        '[my-site]\nwindow = %(my-site/short)s\nshort = 20m\n[sshd]\nfindtime = %(my-site/window)s\n',
    },
    expected: { maxretry: 8, findtime: 20 * MIN, bantime: 10 * MIN, ignoreip: ['127.0.0.1/8', '::1'] },
  },
  {
    title: 'a permanent ban (bantime = -1) and a disabled sshd jail still count',
    files: { 'jail.d/defaults-debian.conf': '[sshd]\nenabled = false\n', 'jail.local': '[sshd]\nbantime = -1\n' },
    expected: { maxretry: 5, findtime: 10 * MIN, bantime: Number.POSITIVE_INFINITY, ignoreip: ['127.0.0.1/8', '::1'] },
  },
];

describe('readFail2banThresholds', () => {
  it.each(CASES)('reads $title from the jail files as fail2ban does', async ({ files, expected }) => {
    const dir = configDir(files);
    const viaFiles = await readFail2banThresholds({ configDir: dir, useClient: false });
    expect(viaFiles).toEqual({ campaignBantime: DAY, ...expected, origin: 'jail-files' });
  });

  it.each(CASES.filter((c) => !c.title.includes('disabled')))(
    'reads $title through the real fail2ban-client -d',
    async ({ files, expected }) => {
      const dir = configDir(files);
      expect(await readFail2banThresholds({ configDir: dir })).toEqual({
        campaignBantime: DAY,
        ...expected,
        origin: 'fail2ban-client',
      });
    },
  );

  it("reads the f2b-campaign jail's bantime (the bundled jail, and a local override), through both readers", async () => {
    const plain = configDir(bundledFail2banTexts());
    expect(await readFail2banThresholds({ configDir: plain, useClient: false })).toMatchObject({
      campaignBantime: DAY,
    });
    const local = configDir({
      ...bundledFail2banTexts(),
      'jail.d/f2b-campaign.local': '[f2b-campaign]\nbantime = 3d\n',
    });
    for (const useClient of [false, true])
      expect(await readFail2banThresholds({ configDir: local, useClient })).toMatchObject({
        maxretry: 5,
        campaignBantime: 3 * DAY,
      });
  });

  it('says that a negative bantime other than -1 bans nothing, and reads it as no ban, through both readers', async () => {
    const files = bundledFail2banTexts();
    const dir = configDir({
      ...files,
      'jail.d/f2b-campaign.local': '[f2b-campaign]\nbantime = -1d\n',
      'jail.local': '[sshd]\nbantime = -10m\n',
    });
    for (const useClient of [false, true]) {
      const warnings: string[] = [];
      const got = await readFail2banThresholds({ configDir: dir, useClient, onWarning: (m) => warnings.push(m) });
      expect(got, `useClient ${useClient}`).toMatchObject({ bantime: 0, campaignBantime: 0 });
      expect(warnings.filter((m) => m.includes('bans nothing')).map((m) => m.slice(0, 40))).toEqual([
        'bantime = -1d in the [f2b-campaign] jail',
        'bantime = -10m in the [sshd] jail: fail2',
      ]);
    }
    // -1 is fail2ban's permanent ban: no warning.
    const forever = configDir({ ...files, 'jail.d/f2b-campaign.local': '[f2b-campaign]\nbantime = -1\n' });
    for (const useClient of [false, true]) {
      const warnings: string[] = [];
      const got = await readFail2banThresholds({ configDir: forever, useClient, onWarning: (m) => warnings.push(m) });
      expect(got.campaignBantime).toBe(Number.POSITIVE_INFINITY);
      expect(warnings.filter((m) => m.includes('bans nothing'))).toEqual([]);
    }
  });

  it("spares what the f2b-campaign jail's own ignoreip lists, as fail2ban does with its BAN lines, through both readers", async () => {
    // An admin sparing an address from campaign bans where the README says to change the jail: fail2ban ignores the
    // BAN lines for it, so f2b-campaign must not write them (nor count the address as a campaign member).
    const dir = configDir({
      ...bundledFail2banTexts(),
      'jail.d/f2b-campaign.local': '[f2b-campaign]\nignoreip = 127.0.0.1/8 ::1 198.51.100.7 2001:db8:7::/48\n',
    });
    for (const useClient of [false, true]) {
      const got = await readFail2banThresholds({ configDir: dir, useClient });
      expect(got.ignoreip, `useClient ${useClient}`).toEqual(['127.0.0.1/8', '::1', '198.51.100.7', '2001:db8:7::/48']);
      const never = new NeverBan(got.ignoreip);
      expect(never.reason('198.51.100.7', true)).toBe('ignoreip');
      expect(never.reason('2001:db8:7:1::9', true)).toBe('ignoreip');
      expect(never.reason('198.51.100.8', true)).toBeNull();
    }
  });

  it('falls back to the jail files when fail2ban does not start the jail (disabled)', async () => {
    const dir = configDir({
      'jail.d/defaults-debian.conf': '[sshd]\nenabled = false\n',
      'jail.local': '[sshd]\nmaxretry = 7\n',
    });
    const got = await readFail2banThresholds({ configDir: dir });
    expect(got).toMatchObject({ maxretry: 7, origin: 'jail-files' });
  });

  it('reads another jail when asked', async () => {
    const dir = configDir({
      'jail.local': '[sshd]\nmaxretry = 4\n[dropbear]\nenabled = true\nmaxretry = 8\nlogpath = /dev/null\n',
    });
    expect(await readFail2banThresholds({ configDir: dir, jail: 'dropbear', useClient: false })).toMatchObject({
      maxretry: 8,
    });
  });

  it("uses Debian's defaults when there is no fail2ban configuration at all", async () => {
    const work = dirname(configDir({}));
    const missing = join(work, 'no-such-dir');
    expect(await readFail2banThresholds({ configDir: missing })).toEqual(DEBIAN_DEFAULT_THRESHOLDS);
    // A directory with no jail file in it is no configuration either (fail2ban_confpath alone is not one).
    const empty = join(work, 'empty-dir');
    mkdirSync(empty);
    expect(await readFail2banThresholds({ configDir: empty, useClient: false })).toEqual(DEBIAN_DEFAULT_THRESHOLDS);
  });

  it('resolves host names in ignoreip as fail2ban does, so the never-ban rule protects their addresses', async () => {
    const dir = configDir({ 'jail.local': '[sshd]\nignoreip = 127.0.0.1/8 office.example.com gone.example.com\n' });
    const lookup = async (name: string): Promise<string[]> => {
      if (name === 'office.example.com') return ['198.51.100.5', '2001:db8::5'];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    };
    for (const useClient of [false, true]) {
      const warnings: string[] = [];
      const got = await readFail2banThresholds({
        configDir: dir,
        useClient,
        lookup,
        onWarning: (m) => warnings.push(m),
      });
      expect(got.ignoreip).toEqual([
        '127.0.0.1/8',
        'office.example.com',
        '198.51.100.5',
        '2001:db8::5',
        'gone.example.com',
        '::1',
      ]);
      const never = new NeverBan(got.ignoreip);
      expect(never.reason('198.51.100.5', true)).toBe('ignoreip');
      expect(never.reason('2001:db8::5', true)).toBe('ignoreip');
      expect(never.reason('198.51.100.6', true)).toBeNull();
      expect(warnings).toEqual([
        expect.stringMatching(/^ignoreip gone\.example\.com does not resolve \(ENOTFOUND\): it protects no address/),
        expect.stringMatching(
          /^ignoreip office\.example\.com is resolved by f2b-campaign only at start .* \[DEFAULT\]/,
        ),
      ]);
    }
  });

  it("adds, with ignoreself, the addresses this host's name resolves to, as fail2ban's getSelfIPs does", async () => {
    const dir = configDir({ 'jail.local': '[sshd]\nignoreip = 192.0.2.1\n' });
    const self = async (name: string): Promise<string[]> =>
      name === hostname() ? ['127.0.1.1', '203.0.113.9', '2001:db8::9'] : [];
    const got = await readFail2banThresholds({ configDir: dir, useClient: false, lookup: self });
    // Loopback is in ignoreself's own 127.0.0.1/8 already; the public addresses are added.
    expect(got.ignoreip).toEqual(['192.0.2.1', '127.0.0.1/8', '::1', '203.0.113.9', '2001:db8::9']);
    const off = configDir({ 'jail.local': '[sshd]\nignoreip = 192.0.2.1\nignoreself = false\n' });
    expect((await readFail2banThresholds({ configDir: off, useClient: false, lookup: self })).ignoreip).toEqual([
      '192.0.2.1',
    ]);
  });

  it('protects what fail2ban protects for every ignoreip form it accepts', async () => {
    const dir = configDir({
      'jail.local': '[sshd]\nignoreip = 192.0.2.0/255.255.255.0, [2001:db8::1] 2001:db8:1::/ffff:ffff:ffff::\n',
    });
    const never = new NeverBan((await readFail2banThresholds({ configDir: dir, useClient: false })).ignoreip);
    for (const ip of ['192.0.2.77', '2001:db8::1', '2001:db8:1:0:ab::1', '127.0.0.1'])
      expect(never.reason(ip, true), ip).not.toBeNull();
    expect(never.reason('192.0.3.1', true)).toBeNull();
  });

  it('reads an all-ones netmask as the one address it names, not as every address', async () => {
    // Found by a mutation audit (2026-11-24): reading 255.255.255.255 as /0 (ignoreip then protecting the internet)
    // survived every test, whose masks all had zeros in them.
    const dir = configDir({
      'jail.local':
        '[sshd]\nignoreip = 198.51.100.7/255.255.255.255 2001:db8::7/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n',
    });
    const { ignoreip } = await readFail2banThresholds({ configDir: dir, useClient: false });
    expect(ignoreip).toEqual(expect.arrayContaining(['198.51.100.7/32', '2001:db8::7/128']));
    const never = new NeverBan(ignoreip);
    for (const ip of ['198.51.100.7', '2001:db8::7']) expect(never.reason(ip, true), ip).toBe('ignoreip');
    for (const ip of ['198.51.100.8', '203.0.113.5', '2001:db8::8']) expect(never.reason(ip, true), ip).toBeNull();
  });

  it('protects nothing for a netmask that is not one, as fail2ban rejects it, and says so', async () => {
    // Found by a mutation audit (2026-11-24): taking 255.0.255.0 as the /8 its leading ones make survived every test.
    const read = await readIgnoreip(['192.0.2.0/255.0.255.0']);
    expect(read.warnings).toEqual([
      'ignoreip 192.0.2.0/255.0.255.0: 255.0.255.0 is not a netmask, so it protects nothing (fail2ban rejects it)',
    ]);
    const never = new NeverBan(read.entries);
    for (const ip of ['192.0.2.7', '192.7.7.7']) expect(never.reason(ip, true), ip).toBeNull();
  });

  it.each([
    {
      title: 'the jail is disabled and fail2ban guards sshd with another',
      files: {
        'jail.d/defaults-debian.conf': '[sshd]\nenabled = false\n',
        'jail.local': '[sshd-slow]\nenabled = true\nfilter = sshd\nlogpath = /dev/null\nmaxretry = 2\n',
      },
      jail: 'sshd',
      warning: /^the \[sshd\] jail is disabled: .* fail2ban runs sshd-slow; set \[service\] fail2ban_jail/,
    },
    {
      title: 'there is no such jail',
      files: {},
      jail: 'ssh',
      warning: /^there is no \[ssh\] jail in .*: its \[DEFAULT\] values are used; fail2ban runs sshd;/,
    },
    {
      title: 'the jail has an ignorecommand the f2b-campaign jail lacks',
      files: { 'jail.local': '[sshd]\nignorecommand = /usr/local/bin/is-office <ip>\n' },
      jail: 'sshd',
      warning:
        /^the \[sshd\] jail has ignorecommand = \/usr\/local\/bin\/is-office <ip>, which f2b-campaign does not run/,
    },
    {
      // fail2ban-client -d writes a value with a ' in it between double quotes, as Python's repr does.
      title: "the jail has an ignorecommand with a ' in it that the f2b-campaign jail lacks",
      files: { 'jail.local': "[sshd]\nignorecommand = /usr/local/bin/is-office '<ip>'\n" },
      jail: 'sshd',
      warning:
        /^the \[sshd\] jail has ignorecommand = \/usr\/local\/bin\/is-office '<ip>', which f2b-campaign does not run/,
    },
  ])('warns when $title, through both readers', async ({ files, jail, warning }) => {
    const dir = configDir(files);
    for (const useClient of [false, true]) {
      const warnings: string[] = [];
      await readFail2banThresholds({ configDir: dir, jail, useClient, onWarning: (m) => warnings.push(m) });
      expect(warnings).toEqual([expect.stringMatching(warning)]);
    }
  });

  it('reads %(fail2ban_confpath)s as fail2ban does (its configuration directory), through both readers', async () => {
    // fail2ban adds it to [DEFAULT] before it interpolates (jail.conf's apache-fakegooglebot jail uses it): without
    // it our reading of the files refused the reference as one fail2ban cannot resolve.
    const dir = configDir({ 'jail.local': '[sshd]\nignorecommand = %(fail2ban_confpath)s/is-office <ip>\n' });
    for (const useClient of [false, true]) {
      const warnings: string[] = [];
      await readFail2banThresholds({ configDir: dir, useClient, onWarning: (m) => warnings.push(m) });
      expect(warnings).toEqual([expect.stringContaining(`has ignorecommand = ${dir}/is-office <ip>, which`)]);
    }
  });

  it('says nothing about an ignorecommand the f2b-campaign jail shares through [DEFAULT]', async () => {
    const dir = configDir({
      ...bundledFail2banTexts(),
      'jail.local': '[DEFAULT]\nignorecommand = /usr/local/bin/is-office <ip>\n',
    });
    const warnings: string[] = [];
    await readFail2banThresholds({ configDir: dir, useClient: false, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
  });

  it('reads the other jail files when one cannot be read, and names it in a warning, through both readers', async () => {
    const dir = configDir({ 'jail.local': '[DEFAULT]\nignoreip = 127.0.0.1/8 192.0.2.0/24\n' });
    mkdirSync(join(dir, 'jail.d', 'broken.local')); // unreadable as a file, even for root
    for (const useClient of [false, true]) {
      const warnings: string[] = [];
      const got = await readFail2banThresholds({ configDir: dir, useClient, onWarning: (m) => warnings.push(m) });
      expect(got.origin).toBe(useClient ? 'fail2ban-client' : 'jail-files');
      expect(got.ignoreip).toContain('192.0.2.0/24');
      expect(warnings).toEqual([
        expect.stringMatching(/jail\.d\/broken\.local cannot be read \(.*\): its settings, ignoreip included, are not/),
      ]);
    }
  });

  it('refuses a maxretry that is not a whole number, as fail2ban does, through both readers', async () => {
    // fail2ban-client -d gives None for it, and fail2ban-server's int(None) stops its start stream: no jail runs.
    for (const value of ['five', '3.5']) {
      const dir = configDir({ 'jail.local': `[sshd]\nmaxretry = ${value}\n` });
      for (const useClient of [false, true]) {
        await expect(
          readFail2banThresholds({ configDir: dir, useClient }),
          `${value} ${useClient}`,
        ).rejects.toMatchObject({
          code: 'BAD_FAIL2BAN_MAXRETRY',
          message: expect.stringContaining(`maxretry = ${value} in the [sshd] jail is not a whole number`),
        });
      }
    }
  });

  it.each([
    {
      title: 'a reference to a section that is not there, though [DEFAULT] has the option',
      text: '[DEFAULT]\nmaxretry = 4\n[sshd]\nmaxretry = %(nosuch/maxretry)s\n',
      fail2ban: /Bad value substitution: .*'nosuch\/maxretry'/,
      ours: 'maxretry = %(nosuch/maxretry)s in [sshd]: fail2ban cannot interpolate %(nosuch/maxretry)s either (there is no [nosuch] section)',
    },
    {
      title: 'a reference to an option neither the section nor [DEFAULT] has',
      text: '[site]\nmaxretry = 3\n[sshd]\nfindtime = %(site/window)s\n',
      fail2ban: /Bad value substitution: .*'site\/window'/,
      ours: '(no option window in [site] or [DEFAULT])',
    },
    {
      title: 'a reference to a section named with a capital',
      text: '[Site]\nips = 10.0.0.1\n[sshd]\nignoreip = 192.0.2.1\n    %(Site/ips)s\n',
      fail2ban: /Bad value substitution: .*'site\/ips'/,
      ours: 'ignoreip = 192.0.2.1 %(Site/ips)s in [sshd]: fail2ban cannot interpolate %(Site/ips)s',
    },
    {
      title: "a reference to a section's value that refers back to the jail's",
      text: '[site]\nmaxretry = %(maxretry)s\n[sshd]\nmaxretry = %(site/maxretry)s\n',
      fail2ban: /Recursion limit exceeded/,
      ours: '(still unresolved after 10 steps (a loop))',
    },
    {
      title: 'a lone % sign',
      text: '[sshd]\nignorecommand = /usr/local/bin/is-office <ip> 50%\n',
      fail2ban: /'%' must be followed by '%' or '\('/,
      ours: "ignorecommand = /usr/local/bin/is-office <ip> 50% in [sshd]: fail2ban cannot interpolate % either ('%' must",
    },
    {
      title: 'a reference in the enabled f2b-campaign jail',
      text: '[f2b-campaign]\nenabled = true\nfilter = sshd\nlogpath = /dev/null\nbantime = %(nosuch)s\n',
      fail2ban: /Bad value substitution: option 'bantime' in section 'f2b-campaign'/,
      ours: 'bantime = %(nosuch)s in [f2b-campaign]: fail2ban cannot interpolate %(nosuch)s either',
    },
    {
      title: 'a reference in another enabled jail, which f2b-campaign does not read',
      text: '[dropbear]\nenabled = true\nlogpath = /dev/null\nmaxretry = %(nosuch)s\n',
      fail2ban: /Bad value substitution: option 'maxretry' in section 'dropbear'/,
      ours: 'maxretry = %(nosuch)s in [dropbear]: fail2ban cannot interpolate %(nosuch)s either',
    },
    {
      title: "a %(known/opt)s in another enabled jail's bantime that neither the jail files nor its filter give",
      text: '[dropbear]\nenabled = true\nlogpath = /dev/null\nbantime = %(known/nosuch)s\n',
      fail2ban: /Bad value substitution: option 'bantime' in section 'dropbear' .*'known\/nosuch'/,
      ours: 'bantime = %(known/nosuch)s in [dropbear]: fail2ban cannot interpolate %(known/nosuch)s either (no earlier nosuch in [dropbear], none in [DEFAULT], nor in its filter dropbear)',
    },
    {
      title:
        "a %(known/opt)s that only the [DEFAULT] of another enabled jail's filter gives, which fail2ban does not merge",
      text: '[dropbear]\nenabled = true\nlogpath = /dev/null\nignorecommand = /bin/true %(known/__prefix_line)s\n',
      fail2ban: /Bad value substitution: option 'ignorecommand' in section 'dropbear' .*'known\/__prefix_line'/,
      ours: '(no earlier __prefix_line in [dropbear], none in [DEFAULT], nor in its filter dropbear)',
    },
    {
      title: 'a %(known/opt)s in the guarded jail that neither the jail files nor its filter give',
      text: '[sshd]\nenabled = true\nmaxretry = %(known/sshd_tries)s\n',
      fail2ban: /Bad value substitution: option 'maxretry' in section 'sshd' .*'known\/sshd_tries'/,
      ours: 'maxretry = %(known/sshd_tries)s in [sshd]: fail2ban cannot interpolate %(known/sshd_tries)s either (no earlier sshd_tries in [sshd], none in [DEFAULT], nor in its filter sshd)',
    },
    {
      title: "a %(known/opt)s in a disabled jail's filter, which fail2ban reads before any filter",
      text: '[dropbear]\nenabled = false\nfilter = %(known/nosuch)s\n',
      fail2ban: /Bad value substitution: option 'filter' in section 'dropbear' .*'known\/nosuch'/,
      ours: 'filter = %(known/nosuch)s in [dropbear]: fail2ban cannot interpolate %(known/nosuch)s either (no earlier nosuch in [dropbear], none in [DEFAULT]),',
    },
    {
      title: "a reference in a disabled jail's filter, which fail2ban reads to know whether to run it",
      text: '[dropbear]\nenabled = false\nfilter = %(nosuch)s\n',
      fail2ban: /Bad value substitution: option 'filter' in section 'dropbear'/,
      ours: 'filter = %(nosuch)s in [dropbear]: fail2ban cannot interpolate %(nosuch)s either',
    },
    {
      title: "a reference in the disabled guarded jail's enabled",
      text: '[sshd]\nenabled = %(nosuch)s\n',
      fail2ban: /Bad value substitution: option 'enabled' in section 'sshd'/,
      ours: 'enabled = %(nosuch)s in [sshd]: fail2ban cannot interpolate %(nosuch)s either',
    },
  ])('refuses, as fail2ban does, $title, through both readers', async ({ text, fail2ban, ours }) => {
    const dir = configDir({ 'jail.local': text });
    await expect(dumpFail2banConfig(dir)).rejects.toMatchObject({ stderr: expect.stringMatching(fail2ban) });
    for (const useClient of [false, true]) {
      await expect(readFail2banThresholds({ configDir: dir, useClient }), `${useClient}`).rejects.toMatchObject({
        code: 'BAD_FAIL2BAN_REFERENCE',
        message: expect.stringContaining(ours),
      });
    }
  });

  it.each([
    {
      title: "the disabled guarded jail's own value: [DEFAULT]'s instead",
      files: { 'jail.local': '[DEFAULT]\nmaxretry = 3\n[sshd]\nenabled = false\nmaxretry = %(nosuch)s\n' },
      expected: { maxretry: 3 },
      warning:
        "maxretry = %(nosuch)s in the disabled [sshd] jail: fail2ban cannot interpolate %(nosuch)s (no option nosuch in [sshd] or [DEFAULT]) but starts all the same, as it reads no more of a jail it does not run than enabled, backend and filter; f2b-campaign uses [DEFAULT]'s maxretry (3) instead; correct it",
    },
    {
      title: "the disabled guarded jail's value from [DEFAULT]: Debian's default instead",
      files: { 'jail.local': '[DEFAULT]\nmaxretry = %(site/retries)s\n[sshd]\nenabled = false\n' },
      expected: { maxretry: 5 },
      warning:
        "maxretry = %(site/retries)s in the disabled [sshd] jail (from [DEFAULT]): fail2ban cannot interpolate %(site/retries)s (there is no [site] section) but starts all the same, as it reads no more of a jail it does not run than enabled, backend and filter; f2b-campaign uses Debian's default (5) instead; correct it",
    },
    {
      title: "the disabled f2b-campaign jail's override: the value it overrides instead",
      files: {
        ...bundledFail2banTexts(),
        'jail.d/f2b-campaign.local': '[f2b-campaign]\nenabled = false\nbantime = 2d %(extra)s\n',
      },
      expected: { campaignBantime: DAY },
      warning:
        'bantime = 2d %(extra)s in the disabled [f2b-campaign] jail: fail2ban cannot interpolate %(extra)s (no option extra in [f2b-campaign] or [DEFAULT]) but starts all the same, as it reads no more of a jail it does not run than enabled, backend and filter; f2b-campaign uses the value it overrides (1d) instead; correct it',
    },
  ])(
    'reads a reference fail2ban cannot resolve in $title, with a warning, through both readers',
    async ({ files, expected, warning }) => {
      // fail2ban does not read these options of a disabled jail, so it starts: refusing would stop us over nothing.
      const dir = configDir(files);
      expect((await dumpFail2banConfig(dir)).errors).toEqual([]);
      for (const useClient of [false, true]) {
        const warnings: string[] = [];
        const got = await readFail2banThresholds({ configDir: dir, useClient, onWarning: (m) => warnings.push(m) });
        expect(got, `${useClient}`).toMatchObject(expected);
        expect(warnings, `${useClient}`).toContain(warning);
      }
    },
  );

  it('is not stopped by a reference fail2ban cannot resolve where fail2ban does not read it, through both readers', async () => {
    // A disabled jail's maxretry, a section no jail reads, and a filter's known/ option (fail2ban resolves it from
    // the filter, which the files reader does not read): fail2ban starts, so must we, and without a word about them.
    const dir = configDir({
      'jail.local': [
        '[site]',
        'ips = %(nosuch)s',
        '[dropbear]',
        'maxretry = %(nosuch)s',
        '[apache-auth]',
        'enabled = true',
        'logpath = /dev/null',
        'failregex = %(known/failregex)s',
        '            ^extra <HOST>$',
      ].join('\n'),
    });
    const dump = await dumpFail2banConfig(dir);
    expect(dump.text).toContain("['start', 'apache-auth']");
    for (const useClient of [false, true]) {
      const warnings: string[] = [];
      const got = await readFail2banThresholds({ configDir: dir, useClient, onWarning: (m) => warnings.push(m) });
      expect(got).toMatchObject({ maxretry: 5, findtime: 10 * MIN });
      expect(warnings).toEqual([]);
    }
  });

  it('finds nothing to refuse in any of the jails of jail.conf, all enabled, as fail2ban does', async () => {
    const names = [...readFileSync('/etc/fail2ban/jail.conf', 'utf8').matchAll(/^\[([^\]]+)\]/gm)]
      .map((m) => m[1]!)
      .filter((name) => name !== 'INCLUDES' && name !== 'DEFAULT');
    expect(names.length).toBeGreaterThan(50);
    const dir = configDir({ 'jail.local': names.map((name) => `[${name}]\nenabled = true\n`).join('') });
    expect((await dumpFail2banConfig(dir)).text).toContain("['start', 'sshd']");
    expect(await readFail2banThresholds({ configDir: dir, useClient: false })).toMatchObject({ maxretry: 5 });
  });

  it('reads %(fail2ban_version)s as the installed fail2ban gives it, and keeps it as written without one', async () => {
    const ignorecommand = '/usr/local/bin/is-office <ip> %(fail2ban_version)s';
    const version = /^Fail2Ban v(\S+)/.exec((await execa('fail2ban-client', ['--version'])).stdout)?.[1];
    const dumped = (dir: string) =>
      dumpFail2banConfig(dir).then((d) => /\['set', 'sshd', 'ignorecommand', '(.*)'\]/.exec(d.text)?.[1]);
    const enabled = configDir({ 'jail.local': `[sshd]\nignorecommand = ${ignorecommand}\n` });
    expect(await dumped(enabled)).toBe(`/usr/local/bin/is-office <ip> ${version}`);
    // Disabled, so the files are read, with the version fail2ban-client gives.
    const disabled = configDir({ 'jail.local': `[sshd]\nenabled = false\nignorecommand = ${ignorecommand}\n` });
    for (const [dir, useClient, expected] of [
      [enabled, true, `/usr/local/bin/is-office <ip> ${version}`],
      [disabled, true, `/usr/local/bin/is-office <ip> ${version}`],
      // Told not to ask fail2ban-client: no version, the reference stays as written, and nothing is refused.
      [disabled, false, ignorecommand],
    ] as const) {
      const warnings: string[] = [];
      await readFail2banThresholds({ configDir: dir, useClient, onWarning: (m) => warnings.push(m) });
      expect(warnings, `${dir} ${useClient}`).toContainEqual(
        expect.stringContaining(`has ignorecommand = ${expected}, which`),
      );
    }
  });

  it('refuses a value it cannot read rather than guessing', async () => {
    const dir = configDir({ 'jail.local': '[sshd]\nfindtime = soon\n' });
    await expect(readFail2banThresholds({ configDir: dir, useClient: false })).rejects.toMatchObject({
      code: 'BAD_FAIL2BAN_DURATION',
    });
  });

  it('says so when fail2ban-client refuses the configuration for a reason of its own, and reads the files', async () => {
    // fail2ban's configparser refuses a jail.local with no section header; our reader of the files reads past it.
    const dir = configDir({ 'jail.local': 'maxretry = 3\n[sshd]\nmaxretry = 4\n' });
    await expect(execa('fail2ban-client', ['-c', dir, '-d'])).rejects.toMatchObject({ exitCode: 255 });
    const warnings: string[] = [];
    const got = await readFail2banThresholds({ configDir: dir, onWarning: (m) => warnings.push(m) });
    expect(got.origin).toBe('jail-files');
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^fail2ban-client -d failed \(exit 255\): .*no section headers.*jail\.local.*fail2ban itself will not start/,
      ),
    );
    // The stock configuration draws no such warning.
    const quiet: string[] = [];
    await readFail2banThresholds({ configDir: configDir({}), onWarning: (m) => quiet.push(m) });
    expect(quiet.filter((m) => m.startsWith('fail2ban-client'))).toEqual([]);
  });

  it("reads a %(known/opt)s of another jail's filter as given, and refuses the guarded jail's, whose value is the filter's", async () => {
    // fail2ban merges a running jail's filter options as known/<name> ahead of the jail's earlier values: dropbear's
    // filter has _daemon, so fail2ban starts; the sshd filter given a maxretry makes sshd's maxretry 9, not 2.
    const dir = configDir({
      'filter.d/sshd.local': '[Init]\nmaxretry = 9\n',
      'jail.local':
        '[sshd]\nmaxretry = 2\n[dropbear]\nenabled = true\nlogpath = /dev/null\nbantime = %(known/_daemon)s\n',
      'jail.d/z.local': '[sshd]\nmaxretry = %(known/maxretry)s\n',
    });
    const dump = await dumpFail2banConfig(dir);
    expect(dump.text).toContain("['set', 'sshd', 'maxretry', 9]");
    expect(dump.text).toContain("['set', 'dropbear', 'bantime', 'dropbear']");
    expect(await readFail2banThresholds({ configDir: dir })).toMatchObject({ maxretry: 9 });
    await expect(readFail2banThresholds({ configDir: dir, useClient: false })).rejects.toMatchObject({
      code: 'BAD_FAIL2BAN_REFERENCE',
      message:
        "maxretry = %(known/maxretry)s in [sshd]: fail2ban takes %(known/maxretry)s from the jail's filter sshd, whose values f2b-campaign does not read; set maxretry in [sshd] without it",
    });
  });

  it('is not stopped by a reference in a jail whose filter fail2ban cannot read, as fail2ban skips that jail', async () => {
    const dir = configDir({
      'jail.local': '[dropbear]\nenabled = true\nfilter = nosuch\nlogpath = /dev/null\nmaxretry = %(nosuch)s\n',
    });
    const dump = await dumpFail2banConfig(dir);
    expect(dump.errors).toContainEqual(expect.stringContaining("Unable to read the filter 'nosuch'"));
    expect(dump.text).toContain("['start', 'sshd']");
    for (const useClient of [false, true])
      expect(await readFail2banThresholds({ configDir: dir, useClient }), `${useClient}`).toMatchObject({
        maxretry: 5,
      });
  });

  it('refuses a %(known/opt)s the jail files do not give in the guarded jail whose filter fail2ban cannot read', async () => {
    // fail2ban skips that jail before it reads maxretry (and starts dropbear): there is no value to take.
    const dir = configDir({
      'jail.local':
        '[sshd]\nfilter = nosuch\nmaxretry = %(known/tries)s\n[dropbear]\nenabled = true\nlogpath = /dev/null\n',
    });
    const dump = await dumpFail2banConfig(dir);
    expect(dump.errors).toContainEqual(expect.stringContaining("Unable to read the filter 'nosuch'"));
    expect(dump.text).toContain("['start', 'dropbear']");
    for (const useClient of [false, true]) {
      await expect(readFail2banThresholds({ configDir: dir, useClient }), `${useClient}`).rejects.toMatchObject({
        code: 'BAD_FAIL2BAN_REFERENCE',
        message:
          "maxretry = %(known/tries)s in [sshd]: the jail files give no earlier value for %(known/tries)s, and fail2ban cannot read the jail's filter nosuch to look there (it skips the jail); set maxretry in [sshd] without it, and make the filter readable",
      });
    }
  });
});
