import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceSection } from '../../src/config/sections/service.js';
import { inspectCampaignJail } from '../../src/fail2ban/campaign-jail.js';
import { dumpFail2banConfig, parseFail2banDump } from '../../src/fail2ban/client-dump.js';
import { globMatches } from '../../src/fail2ban/logpath-glob.js';
import { type PyValue, parsePythonLiteral } from '../../src/fail2ban/python-literal.js';
import { installBundledFail2ban } from '../helpers/fail2ban-config.js';
import { fakeProgram } from '../helpers/fake-program.js';

const work = mkdtempSync(join(tmpdir(), 'f2bc-jail-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

/** Python's own answer: would glob.glob(pattern) list path? Per component with fnmatch, dot files as glob skips them. */
const PY_GLOB = `
import fnmatch, json, sys
def lists(pattern, path):
    ps, qs = pattern.split('/'), path.split('/')
    return len(ps) == len(qs) and all(fnmatch.fnmatchcase(q, p) and (not q.startswith('.') or p.startswith('.')) for p, q in zip(ps, qs))
print(json.dumps([lists(p, q) for p, q in json.loads(sys.argv[1])]))
`;

/**
 * A copy of the host's /etc/fail2ban with the shipped jail and filter, a verdict log in a temp dir, and the given
 * extra files; the shipped jail's logpath is pointed at that verdict log through a .local, as an admin would.
 */
function setup(extra: Record<string, string> = {}, options: { logpathLocal?: boolean } = {}) {
  const dir = join(work, `case-${++counter}`);
  const configDir = join(dir, 'fail2ban');
  cpSync('/etc/fail2ban', configDir, { recursive: true });
  installBundledFail2ban(configDir);
  const verdictLog = join(dir, 'log', 'verdicts.log');
  mkdirSync(dirname(verdictLog));
  writeFileSync(verdictLog, '');
  // The stock sshd jail needs a log to exist for fail2ban-client -d to accept the configuration.
  writeFileSync(join(dir, 'auth.log'), '');
  const files: Record<string, string> = {
    'jail.d/00-test.local': `[sshd]\nlogpath = ${join(dir, 'auth.log')}\nbackend = polling\n`,
    ...extra,
  };
  if (options.logpathLocal ?? true) {
    files['jail.d/f2b-campaign.local'] =
      `[f2b-campaign]\nlogpath = ${verdictLog}\n${extra['f2b-campaign.local'] ?? ''}`;
  }
  for (const [name, text] of Object.entries(files)) {
    if (name === 'f2b-campaign.local') continue;
    writeFileSync(join(configDir, name), text);
  }
  return { configDir, verdictLog };
}

describe('inspectCampaignJail (for f2b-campaign check)', () => {
  it("the shipped jail reads the service's default verdict log", async () => {
    const { configDir } = setup({}, { logpathLocal: false });
    const defaultLog = serviceSection.keys.find((k) => k.key === 'verdict_log')!.default as string;
    const report = await inspectCampaignJail({ verdictLog: defaultLog, configDir, useClient: false });
    expect(report).toMatchObject({ present: true, enabled: true, readsVerdictLog: true, backend: 'polling' });
    expect(report.logpaths).toEqual([defaultLog]);
  });

  it('reports nothing wrong for an enabled jail on a writable verdict log that fail2ban accepts', async () => {
    const { configDir, verdictLog } = setup();
    const report = await inspectCampaignJail({ verdictLog, configDir, serviceUser: 'root' });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({
      present: true,
      enabled: true,
      readsVerdictLog: true,
      verdictLogExists: true,
      verdictLogWritable: true,
      fail2banAccepts: true,
      running: null,
    });
  });

  it("keeps its own backend, maxretry and usedns under an admin's [DEFAULT], and takes its banaction", async () => {
    const { configDir } = setup(
      { 'jail.local': '[DEFAULT]\nbackend = systemd\nmaxretry = 3\nbanaction = nftables-allports\n' },
      { logpathLocal: false },
    );
    const dumped = parseFail2banDump((await dumpFail2banConfig(configDir)).text).get('f2b-campaign');
    expect(dumped?.backend).toBe('polling');
    expect(dumped?.settings.get('maxretry')).toBe(1);
    expect(dumped?.settings.get('usedns')).toBe('no');
    expect(dumped?.actions).toEqual(['nftables-allports', 'f2b-campaign-kill']);
  });

  it("adds f2b-campaign-kill on sshd's port after the admin's own actions, as fail2ban reads them", async () => {
    // The kill action's command as fail2ban-client -d gives it to the server, ports substituted.
    const killOption = (text: string, name: string): string => {
      const line = text.split('\n').find((l) => l.includes("'action', 'f2b-campaign-kill', [["));
      const [, , , , options] = (parsePythonLiteral(line ?? '') ?? []) as PyValue[];
      const option = ((options ?? []) as PyValue[][]).find(([key]) => key === name);
      return String(option?.[1] ?? '');
    };
    const killCommand = (text: string): string => killOption(text, 'actionban');
    const stock = setup({ 'jail.local': '[DEFAULT]\nbanaction = nftables\n' });
    const stockDump = (await dumpFail2banConfig(stock.configDir)).text;
    expect(parseFail2banDump(stockDump).get('f2b-campaign')?.actions).toEqual(['nftables', 'f2b-campaign-kill']);
    // Not run for the bans fail2ban restores at its start (thousands of ss runs, for connections from before it stopped).
    expect(killOption(stockDump, 'norestored')).toBe('true');
    expect(killCommand(stockDump)).toMatch(/echo '22'.*ss -K -H -t -n dst "\[<ip>\]" sport = ":\$port"/s);

    // An admin's [DEFAULT] action (ban and mail) is kept whole, and sshd's port set for this jail reaches the kill.
    const admin = setup({
      'jail.local': '[DEFAULT]\nbanaction = nftables\naction = %(action_mw)s\n',
      'f2b-campaign.local': 'sshd_port = 2222,ssh\n',
    });
    const adminDump = (await dumpFail2banConfig(admin.configDir)).text;
    expect(parseFail2banDump(adminDump).get('f2b-campaign')?.actions).toEqual([
      'nftables',
      'sendmail-whois',
      'f2b-campaign-kill',
    ]);
    expect(killCommand(adminDump)).toMatch(/echo '2222,ssh'/);

    // The README's override, a banaction for this jail alone: the kill follows that ban action too.
    const own = setup({ 'f2b-campaign.local': 'banaction = nftables-allports\n' });
    const ownDump = (await dumpFail2banConfig(own.configDir)).text;
    expect(parseFail2banDump(ownDump).get('f2b-campaign')?.actions).toEqual(['nftables-allports', 'f2b-campaign-kill']);
  });

  it("doubles a returning member's ban whatever bantime.multipliers or formula the admin's [DEFAULT] has", async () => {
    const admin = '[DEFAULT]\nbantime.increment = true\nbantime.multipliers = 1 5 30 60 300 720 1440 2880\n';
    const formula = 'ban.Time * (1<<(ban.Count if ban.Count<20 else 20)) * banFactor'; // fail2ban's default
    const { configDir } = setup({ 'jail.local': `${admin}bantime.formula = ban.Time * 10\n` }, { logpathLocal: false });
    const dumped = parseFail2banDump((await dumpFail2banConfig(configDir)).text).get('f2b-campaign');
    // fail2ban uses the multipliers when there are any, else the formula (server/jail.py setBanTimeExtra).
    expect(dumped?.settings.get('bantime.multipliers')).toBe('');
    expect(dumped?.settings.get('bantime.formula')).toBe(formula);
    expect(dumped?.settings.get('bantime.factor')).toBe('1');
    // An override in f2b-campaign.local still wins.
    const local = setup({ 'jail.local': admin, 'f2b-campaign.local': 'bantime.multipliers = 1 3 9\n' });
    const overridden = parseFail2banDump((await dumpFail2banConfig(local.configDir)).text).get('f2b-campaign');
    expect(overridden?.settings.get('bantime.multipliers')).toBe('1 3 9');
  });

  it('takes a glob logpath that fail2ban expands to the verdict log as reading it, and one that does not as not', async () => {
    for (const [glob, reads] of [
      ['verdicts.lo[g]', true],
      ['verdicts.lo?', true],
      ['*.log', true],
      ['verdicts.lo[!g]', false],
    ] as const) {
      const { configDir, verdictLog } = setup({}, { logpathLocal: false });
      const logpath = join(dirname(verdictLog), glob);
      writeFileSync(join(configDir, 'jail.d', 'f2b-campaign.local'), `[f2b-campaign]\nlogpath = ${logpath}\n`);
      const report = await inspectCampaignJail({ verdictLog, configDir, useClient: reads, serviceUser: 'root' });
      expect(report.readsVerdictLog, glob).toBe(reads);
      if (reads) expect(report.problems, glob).toEqual([]); // fail2ban-client -d lists the verdict log too
    }
  });

  it('matches logpath globs as Python glob does', () => {
    const cases: Array<[string, string]> = [
      ['/v/verdicts.lo[g]', '/v/verdicts.log'],
      ['/v/*/x.log', '/v/a/x.log'],
      ['/v/*.log', '/v/a/x.log'],
      ['/v/*.log', '/v/.hidden.log'],
      ['/v/.*.log', '/v/.hidden.log'],
      ['/v/[!a]x.log', '/v/bx.log'],
      ['/v/[!a]x.log', '/v/ax.log'],
      ['/v/[]]x.log', '/v/]x.log'],
      ['/v/[a-c]?.log', '/v/b1.log'],
      ['/v/[x.log', '/v/[x.log'],
      ['/v/a+(b).log', '/v/a+(b).log'],
    ];
    const python = execFileSync('python3', ['-c', PY_GLOB, JSON.stringify(cases)], { encoding: 'utf8' });
    expect(cases.map(([pattern, path]) => globMatches(pattern, path))).toEqual(JSON.parse(python));
  });

  it('says so when the jail reads another file than the service writes', async () => {
    const { configDir } = setup();
    const report = await inspectCampaignJail({ verdictLog: join(work, 'elsewhere.log'), configDir, useClient: false });
    expect(report.readsVerdictLog).toBe(false);
    expect(report.problems.join('\n')).toMatch(/but the service writes .*elsewhere\.log: set logpath = /);
    expect(report.problems.join('\n')).toMatch(/does not exist: fail2ban refuses to start/);
  });

  it('says so when an admin disabled the jail or moved it to the journal', async () => {
    const { configDir, verdictLog } = setup({ 'f2b-campaign.local': 'enabled = false\nbackend = systemd\n' });
    const report = await inspectCampaignJail({ verdictLog, configDir, useClient: false, serviceUser: 'root' });
    expect(report).toMatchObject({ enabled: false, backend: 'systemd' });
    expect(report.problems).toHaveLength(2);
    expect(report.problems.join('\n')).toMatch(/not enabled \(enabled = false\)/);
    expect(report.problems.join('\n')).toMatch(/backend = systemd, but verdicts are a file/);
  });

  it('finds nothing wrong with a backend that reads a file, a filter given options, or a logpath ending in tail', async () => {
    const { configDir, verdictLog } = setup({}, { logpathLocal: false });
    writeFileSync(
      join(configDir, 'jail.d', 'f2b-campaign.local'),
      `[f2b-campaign]\nbackend = auto\nfilter = f2b-campaign[maxlines=1]\nlogpath = ${verdictLog} tail\n`,
    );
    const report = await inspectCampaignJail({ verdictLog, configDir, serviceUser: 'root' });
    expect(report.fail2banAccepts).toBe(true);
    expect(report.logpaths).toEqual([verdictLog]);
    expect(report.problems).toEqual([]);
  });

  it('says so when the jail is missing altogether', async () => {
    const { configDir, verdictLog } = setup({}, { logpathLocal: false });
    rmSync(join(configDir, 'jail.d', 'f2b-campaign.conf'));
    const report = await inspectCampaignJail({ verdictLog, configDir, useClient: false, serviceUser: 'root' });
    expect(report).toMatchObject({ present: false, enabled: false });
    expect(report.problems).toEqual([expect.stringMatching(/no \[f2b-campaign\] jail/)]);
  });

  it('judges writability for the service user, not for root running check', async () => {
    const { configDir, verdictLog } = setup();
    chmodSync(verdictLog, 0o644);
    const report = await inspectCampaignJail({ verdictLog, configDir, useClient: false, serviceUser: 'nobody' });
    expect(report.verdictLogWritable).toBe(false);
    expect(report.problems).toEqual([expect.stringMatching(/not writable by the service user/)]);
    chmodSync(verdictLog, 0o666);
    const again = await inspectCampaignJail({ verdictLog, configDir, useClient: false, serviceUser: 'nobody' });
    expect(again.verdictLogWritable).toBe(true);
    // A service run as root writes whatever the mode bits say.
    chownSync(verdictLog, 65534, 65534);
    chmodSync(verdictLog, 0o600);
    const root = await inspectCampaignJail({ verdictLog, configDir, useClient: false, serviceUser: 'root' });
    expect(root.verdictLogWritable).toBe(true);
  });

  it('names a jail file that cannot be read, or that the service user cannot read, as a problem', async () => {
    const { configDir, verdictLog } = setup({ 'jail.d/secret.local': '[DEFAULT]\nignoreip = 192.0.2.0/24\n' });
    mkdirSync(join(configDir, 'jail.d', 'broken.local'));
    chmodSync(join(configDir, 'jail.d', 'secret.local'), 0o600);
    chmodSync(verdictLog, 0o666);
    const report = await inspectCampaignJail({ verdictLog, configDir, serviceUser: 'nobody' });
    expect(report.problems).toEqual([
      expect.stringMatching(/jail\.d\/broken\.local cannot be read \(EISDIR\): f2b-campaign does not apply its/),
      expect.stringMatching(/jail\.d\/secret\.local is not readable by the service user nobody: .*ignoreip/),
    ]);
  });

  it("reports fail2ban's own refusal when the jail's filter is gone", async () => {
    const { configDir, verdictLog } = setup();
    rmSync(join(configDir, 'filter.d', 'f2b-campaign.conf'));
    const report = await inspectCampaignJail({ verdictLog, configDir, serviceUser: 'root' });
    expect(report.fail2banAccepts).toBe(false);
    expect(report.problems.join('\n')).toMatch(/filter\.d\/f2b-campaign\.conf is missing/);
    expect(report.problems.join('\n')).toMatch(
      /fail2ban reports errors in its configuration: .*Unable to read the filter 'f2b-campaign'/,
    );
  });

  it("names the jail's missing kill action, without which fail2ban skips the jail", async () => {
    const { configDir, verdictLog } = setup();
    rmSync(join(configDir, 'action.d', 'f2b-campaign-kill.conf'));
    const report = await inspectCampaignJail({ verdictLog, configDir, serviceUser: 'root' });
    expect(report.fail2banAccepts).toBe(false);
    expect(report.problems.join('\n')).toMatch(/action\.d\/f2b-campaign-kill\.conf is missing: reinstall the package/);
    expect(report.problems.join('\n')).toMatch(/Unable to read action 'f2b-campaign-kill'/);
  });

  it("warns when f2b-campaign-kill is left out of the jail's action, or misses a port sshd listens on", async () => {
    const killWarnings = async (local: string, sshPorts: number[]) => {
      const { configDir, verdictLog } = setup({ 'f2b-campaign.local': local });
      const report = await inspectCampaignJail({
        verdictLog,
        configDir,
        serviceUser: 'root',
        useClient: false,
        sshPorts,
      });
      expect(report.problems).toEqual([]);
      return report.warnings;
    };
    // The shipped jail on Debian's port: nothing to say.
    expect(await killWarnings('', [22])).toEqual([]);
    // sshd also on 2222 ([service] ssh_ports): the kill, on ssh (22) only, would leave that port's slots to fill.
    const missed = await killWarnings('', [22, 2222]);
    expect(missed).toHaveLength(1);
    expect(missed[0]).toMatch(
      /^sshd listens on 2222 \(\[service\] ssh_ports\), but the f2b-campaign jail's f2b-campaign-kill ends connections on 22 \(sshd_port = 22\)/,
    );
    expect(missed[0]).toMatch(/set sshd_port = 22,2222 in .*jail\.d\/f2b-campaign\.local$/);
    expect(await killWarnings('sshd_port = 2222, ssh\n', [22, 2222])).toEqual([]);
    // A trailing comma is no port name: the action's loop skips the empty word.
    expect(await killWarnings('sshd_port = 22, 2222,\n', [22, 2222])).toEqual([]);
    // The advice keeps the ports the admin set as well as adding sshd's.
    expect((await killWarnings('sshd_port = 2200\n', [22])).join('\n')).toMatch(/set sshd_port = 2200,22 in /);
    // A name /etc/services has for udp only (ntp, 123/udp) is no tcp port for ss -t either.
    expect((await killWarnings('sshd_port = 22,ntp\n', [22])).join('\n')).toMatch(
      /sshd_port names ntp, which is not a tcp service in \/etc\/services/,
    );
    // A name /etc/services does not know is said, as ss could not read it.
    expect((await killWarnings('sshd_port = no-such-service\n', [22])).join('\n')).toMatch(
      /sshd_port names no-such-service, which is not a tcp service in \/etc\/services/,
    );
    // An admin's own action list without the kill: fail2ban bans, but the slots fill again.
    const replaced = await killWarnings('action = %(action_)s\n', [22]);
    expect(replaced).toHaveLength(1);
    expect(replaced[0]).toMatch(
      /^the f2b-campaign jail's action has no f2b-campaign-kill: a member banned mid-connection/,
    );
  });

  it("warns when the kill action does not mark fail2ban's reloads where the service looks, beside the pid file", async () => {
    const markWarnings = async (extra: Record<string, string>, edit?: (configDir: string) => void) => {
      const { configDir, verdictLog } = setup(extra);
      edit?.(configDir);
      const report = await inspectCampaignJail({ verdictLog, configDir, serviceUser: 'root' });
      expect(report.problems).toEqual([]);
      return report.warnings;
    };
    // The shipped action and Debian's fail2ban.conf (/var/run/fail2ban/fail2ban.pid): nothing to say.
    expect(await markWarnings({})).toEqual([]);
    // The same directory named through /run, which /var/run links to: the same place.
    expect(
      await markWarnings({
        'action.d/f2b-campaign-kill.local': '[Init]\nreload_mark = /run/fail2ban/f2b-campaign.reloaded\n',
      }),
    ).toEqual([]);
    // An action kept from a version that marked nothing (an admin's changed conffile): a reload by hand is missed.
    const older = await markWarnings({}, (configDir) => {
      const file = join(configDir, 'action.d', 'f2b-campaign-kill.conf');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^actionreload = .*$/m, ''));
    });
    expect(older).toEqual([
      expect.stringMatching(
        /^the f2b-campaign jail's f2b-campaign-kill marks no reload, but the service looks for \/var\/run\/fail2ban\/f2b-campaign\.reloaded \(beside fail2ban's pid file\): a fail2ban-client reload does not reload the service;/,
      ),
    ]);
    // fail2ban's pid file moved (fail2ban.local) and the mark left where it was, or the mark moved alone.
    const moved = await markWarnings({ 'fail2ban.local': '[Definition]\npidfile = /srv/f2b/fail2ban.pid\n' });
    expect(moved).toEqual([
      expect.stringMatching(
        /marks its reloads at \/var\/run\/fail2ban\/f2b-campaign\.reloaded, but the service looks for \/srv\/f2b\/f2b-campaign\.reloaded .*set its reload_mark to \/srv\/f2b\/f2b-campaign\.reloaded/,
      ),
    ]);
    const markMoved = await markWarnings({
      'action.d/f2b-campaign-kill.local': '[Init]\nreload_mark = /tmp/elsewhere\n',
    });
    expect(markMoved.join('\n')).toMatch(/marks its reloads at \/tmp\/elsewhere, but the service looks for /);
  });

  it('says fail2ban is missing when its configuration directory is', async () => {
    const report = await inspectCampaignJail({
      verdictLog: join(work, 'v.log'),
      configDir: join(work, 'no-fail2ban'),
      useClient: false,
    });
    expect(report.present).toBe(false);
    expect(report.problems[0]).toMatch(/does not exist: install fail2ban/);
  });

  // Found booting the package on a stock Debian 12 without rsyslog (test/package/boot-check-inner.sh): fail2ban
  // itself does not start there (its sshd jail reads an auth.log that does not exist), and check said nothing.
  it('says when fail2ban would refuse to start, and what to do when it is the sshd jail on a journal-only host', async () => {
    const { configDir, verdictLog } = setup({
      'jail.d/00-test.local': '[sshd]\nlogpath = /nonexistent/auth.log\nbackend = auto\n',
    });
    const report = await inspectCampaignJail({ verdictLog, configDir, serviceUser: 'root' });
    expect(report.problems).toEqual([
      expect.stringMatching(
        /^fail2ban refuses its configuration \(fail2ban-client -t: Have not found any log file for sshd jail\): .*set backend = systemd for it \(\[sshd\] in (\S+)\/jail\.d\/sshd\.local\)/,
      ),
    ]);
    // The file to edit is in the configuration checked (check --fail2ban-dir), not always /etc/fail2ban.
    expect(report.problems[0]).toContain(`[sshd] in ${configDir}/jail.d/sshd.local`);
    const fine = setup();
    expect((await inspectCampaignJail({ ...fine, serviceUser: 'root' })).problems).toEqual([]);
  }, 60_000);

  // The journal remedy was given for any jail whose log is missing: for a missing verdict log, check advised
  // `backend = systemd` for the f2b-campaign jail itself, which reads a file (and which check also says must be
  // polling), and for a web server's jail, whose log is no journal matter.
  it('gives the journal remedy for the sshd jail only, not for the verdict log or another jail', async () => {
    const { configDir, verdictLog } = setup();
    rmSync(verdictLog);
    const report = await inspectCampaignJail({ verdictLog, configDir, serviceUser: 'root' });
    expect(report.problems).toEqual([
      expect.stringMatching(/^the verdict log .* does not exist/),
      expect.stringMatching(/^fail2ban refuses its configuration .*Have not found any log file for f2b-campaign jail/),
    ]);
    expect(report.problems.join('\n')).not.toMatch(/backend = systemd/);
    const web = setup({
      'jail.d/10-web.local': '[nginx-http-auth]\nenabled = true\nlogpath = /nonexistent/error.log\n',
    });
    const other = await inspectCampaignJail({ ...web, serviceUser: 'root' });
    expect(other.problems).toEqual([
      expect.stringMatching(/Have not found any log file for nginx-http-auth jail\).*create it, or disable the jail/),
    ]);
    expect(other.problems.join('\n')).not.toMatch(/backend = systemd/);
  }, 60_000);

  // A fail2ban-client -t that ends without an exit status (timed out, killed) said nothing about the configuration,
  // yet check reported "fail2ban refuses its configuration (... see its output)".
  it('does not call a configuration refused when fail2ban-client -t did not finish', async () => {
    const { configDir, verdictLog } = setup();
    const bin = fakeProgram(
      join(work, 'killed-bin'),
      'fail2ban-client',
      '#!/bin/sh\nfor a in "$@"; do [ "$a" = -t ] && kill -KILL $$; done\nexec /usr/bin/fail2ban-client "$@"\n',
    );
    const path = process.env['PATH'];
    process.env['PATH'] = `${bin}:${path}`;
    try {
      const report = await inspectCampaignJail({ verdictLog, configDir, serviceUser: 'root' });
      // Nothing is shown wrong, so it is no problem (check's error, exit 1) but a warning.
      expect(report.problems).toEqual([]);
      expect(report.warnings).toEqual([expect.stringMatching(/^fail2ban-client -t did not finish \(.*SIGKILL/)]);
      expect(report.warnings[0]).not.toMatch(/refuses/);
    } finally {
      process.env['PATH'] = path;
    }
  }, 60_000);
});
