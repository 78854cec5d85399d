import { accessSync, constants, existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { LoadedConfig } from '../../config/load-config.js';
import { databaseText } from '../../correlate/network-lookups.js';
import { inspectCampaignJail } from '../../fail2ban/campaign-jail.js';
import { readFail2banThresholds } from '../../fail2ban/read-thresholds.js';
import type { NetworkDatabase } from '../../geo/mmdb-file.js';
import { databaseFile, openAsnDatabase, openCountryDatabase } from '../../geo/network-databases.js';
import { LOCK_FILE } from '../../service/instance-lock.js';
import { groupIds } from '../../service/local-account.js';
import type { ServiceSettings } from '../../service/service-settings.js';
import { chooseInput } from '../../service/service-sources.js';
import { CONSEQUENCE, unsafeServicePaths } from '../../service/trusted-directory.js';
import { localMachineId, newestEntryArgs, SSHD_IDENTIFIERS } from '../../sources/journal-args.js';
import { loadExeca } from '../../sources/load-execa.js';
import type { Command } from '../command.js';
import { canRead, type Judge, judgedFor, serviceJudge, writableAt } from '../service-access.js';
import { serviceArgs } from './run.js';

const usage = `usage: f2b-campaign check [--config FILE] [--auth-log FILE]... [--verdicts FILE] [--state-dir DIR]
                          [--sockets-from DIR] [--fail2ban-dir DIR]

Validates the configuration (every key, as run would read it) and the fail2ban side: the sshd jail's thresholds
are readable, the ${'`'}f2b-campaign${'`'} jail is enabled and watches the verdict log, and every file the service reads
or writes is usable, the asn_database and country_database among them. Prints one line per check; exits 1 if any check fails (warnings do not fail).`;

/** One line of `f2b-campaign check`. */
export interface CheckResult {
  readonly level: 'ok' | 'warning' | 'error';
  readonly what: string;
  readonly message: string;
}

/** The configuration a running fail2ban-server has loaded (the only one worth asking the server about). */
const HOST_FAIL2BAN = '/etc/fail2ban';

/** The unit's StateDirectory= and RuntimeDirectory=: systemd makes them, owned by the service user, at each start. */
const UNIT_DIRS = ['/var/lib/f2b-campaign', '/run/f2b-campaign'];

function checkWritableDir(what: string, path: string, judge: Judge): CheckResult {
  const at = writableAt(path, judge);
  if (at.ok) return { level: 'ok', what, message: `${path} is usable${judgedFor(judge)}` };
  if (judge.account && at.where !== path && UNIT_DIRS.includes(resolve(path))) {
    return { level: 'ok', what, message: `${path} does not exist yet: systemd makes it for the service at start` };
  }
  return {
    level: 'error',
    what,
    message: `${path} is not writable${judgedFor(judge)} (nearest existing: ${at.where})`,
  };
}

/**
 * Groups whose members read the whole system journal: journald's files belong to systemd-journal, and Debian gives
 * adm read access to them too. Anyone else reads only their own entries, so the service would see no sshd line at
 * all, and say nothing (journalctl only hints at it, on a terminal).
 */
const JOURNAL_READERS = ['systemd-journal', 'adm'];

async function checkJournal(settings: ServiceSettings, judge: Judge, etc: string): Promise<CheckResult[]> {
  const journalctl = settings.journalctl;
  const results: CheckResult[] = [];
  let entries: string;
  try {
    const execa = await loadExeca();
    await execa(journalctl, ['--version'], { timeout: 10_000, stdin: 'ignore' });
    const query = [...newestEntryArgs({ machineId: localMachineId(`${etc}/machine-id`) }), '--quiet'];
    entries = (await execa(journalctl, query, { timeout: 30_000, stdin: 'ignore' })).stdout;
  } catch (error) {
    const why = (error as { shortMessage?: string }).shortMessage ?? String(error);
    return [{ level: 'error', what: 'input', message: `source is journal but ${journalctl} cannot run: ${why}` }];
  }
  const readers = groupIds(JOURNAL_READERS, etc);
  // Run by a user who is not root, `check` judges that user (the query above then saw only their own entries).
  const reader = judge.account ?? (judge.asRoot ? null : thisUser());
  if (reader && readers.length > 0 && !reader.gids.some((gid) => readers.includes(gid))) {
    results.push({
      level: 'error',
      what: 'input',
      message:
        `${judge.account ? 'the service user' : 'this user'} ${reader.name} is in none of the groups ` +
        `${JOURNAL_READERS.join(', ')}: it would read only its own journal entries, never sshd's ` +
        `(adduser ${reader.name} systemd-journal, then restart the service: a running process keeps the groups ` +
        'it started with)',
    });
  }
  const service = judge.account && runningService(settings.stateDir, judge.account.uid);
  if (service && readers.length > 0 && !service.gids.some((gid) => readers.includes(gid))) {
    results.push({
      level: 'error',
      what: 'input',
      message:
        `the running service (pid ${service.pid}) is in none of the groups ${JOURNAL_READERS.join(', ')}: it keeps ` +
        "the groups it started with, and reads none of sshd's entries until restarted (systemctl restart f2b-campaign)",
    });
  }
  results.push(
    entries.trim() === ''
      ? {
          level: 'warning',
          what: 'input',
          message:
            `journal via ${journalctl}, but it holds no entry of sshd's yet (syslog identifiers ` +
            `${SSHD_IDENTIFIERS.join(', ')}): fine on a new host; else sshd logs elsewhere (source = file, auth_log) ` +
            'or journald keeps nothing (Storage=none)',
        }
      : { level: 'ok', what: 'input', message: `journal via ${journalctl}: sshd's entries are there` },
  );
  return results;
}

/**
 * The service running on `stateDir` as `uid` (the pid in its lock) and the groups its process has, from /proc; null
 * when none runs. Its user given a group since it started (adduser) still lacks it: a process keeps the groups it started with.
 */
function runningService(stateDir: string, uid: number): { pid: number; gids: number[] } | null {
  try {
    const pid = Number(/^(\d+)/.exec(readlinkSync(join(stateDir, LOCK_FILE)))?.[1]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    // The service user's process, not one given the pid of a stale lock since.
    if (Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1]) !== uid) return null;
    const gid = /^Gid:\s+\d+\s+(\d+)/m.exec(status)?.[1];
    const groups = /^Groups:(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
    return { pid, gids: [...(gid === undefined ? [] : [gid]), ...groups].map(Number) };
  } catch {
    return null;
  }
}

/** The user running `check`, with the groups its process has (what journalctl goes by). */
function thisUser(): { name: string; gids: number[] } {
  return { name: userInfo().username, gids: [process.getegid?.() ?? -1, ...(process.getgroups?.() ?? [])] };
}

async function checkInputs(settings: ServiceSettings, judge: Judge, etc: string): Promise<CheckResult[]> {
  const input = chooseInput(settings);
  if (input === 'journal') return checkJournal(settings, judge, etc);
  return settings.authLogs.map((path): CheckResult => {
    if (!existsSync(path)) {
      return existsSync(dirname(path))
        ? { level: 'warning', what: 'input', message: `${path} does not exist yet: the service waits for it` }
        : { level: 'error', what: 'input', message: `${path}: directory ${dirname(path)} does not exist` };
    }
    if (canRead(path, judge)) return { level: 'ok', what: 'input', message: `${path} is readable${judgedFor(judge)}` };
    const who = judge.account ? `the service user ${judge.account.name}` : 'this user (run as root or adm)';
    return { level: 'error', what: 'input', message: `${path} is not readable by ${who}` };
  });
}

/** Every check `f2b-campaign check` makes, in order (exported for tests). */
export async function runChecks(
  config: LoadedConfig,
  settings: ServiceSettings,
  judge: Judge = serviceJudge(),
  /** Where /etc/group and /etc/machine-id are read (tests give their own). */
  etc = '/etc',
): Promise<CheckResult[]> {
  const results: CheckResult[] = [
    {
      level: 'ok',
      what: 'config',
      message: config.file ? `${config.file} is valid` : 'no config file: built-in defaults',
    },
  ];
  results.push(...(await checkInputs(settings, judge, etc)));
  try {
    statSync(join(settings.socketsFrom, 'tcp'));
    accessSync(join(settings.socketsFrom, 'tcp'), constants.R_OK);
    results.push({ level: 'ok', what: 'sockets', message: `${join(settings.socketsFrom, 'tcp')} is readable` });
  } catch (error) {
    results.push({
      level: 'error',
      what: 'sockets',
      message: `${join(settings.socketsFrom, 'tcp')}: ${(error as Error).message}`,
    });
  }
  results.push(checkWritableDir('state', settings.stateDir, judge));
  results.push(checkWritableDir('runtime', settings.runtimeDir, judge));
  for (const problem of unsafeServicePaths(settings)) {
    results.push({ level: 'error', what: 'permissions', message: `${problem}: ${CONSEQUENCE}` });
  }
  try {
    const warnings: string[] = [];
    const t = await readFail2banThresholds({
      jail: settings.fail2banJail,
      configDir: settings.fail2banConfig,
      onWarning: (message) => warnings.push(message),
    });
    const figures =
      `maxretry ${t.maxretry}, findtime ${t.findtime / 1000} s, bantime ${t.bantime / 1000} s, ` +
      `ignoreip ${t.ignoreip.join(' ')}; f2b-campaign jail bantime ${t.campaignBantime / 1000} s`;
    results.push(
      t.origin === 'defaults'
        ? {
            level: 'warning',
            what: 'thresholds',
            message: `jail ${settings.fail2banJail} not found in ${settings.fail2banConfig}: using Debian's defaults (${figures})`,
          }
        : { level: 'ok', what: 'thresholds', message: `jail ${settings.fail2banJail}: ${figures} (from ${t.origin})` },
      ...warnings.map((message): CheckResult => ({ level: 'warning', what: 'thresholds', message })),
    );
  } catch (error) {
    results.push({ level: 'error', what: 'thresholds', message: (error as Error).message });
  }
  results.push(...(await checkCampaignJail(settings)));
  const detection = config.values['detection'] ?? {};
  results.push(...checkDatabase('asn database', detection['asn_database'], openAsnDatabase));
  results.push(...checkDatabase('country database', detection['country_database'], openCountryDatabase));
  return results;
}

/** A [detection] database, read as `run` reads it at start: its kind and age, or why it cannot be used. */
function checkDatabase(what: string, path: unknown, open: (path: string) => NetworkDatabase<unknown>): CheckResult[] {
  if (typeof path !== 'string' || path === '') return [];
  try {
    return [{ level: 'ok', what, message: databaseText(databaseFile(open(path))) }];
  } catch (error) {
    return [{ level: 'error', what, message: (error as Error).message }];
  }
}

/**
 * The fail2ban side of the verdicts (src/fail2ban/campaign-jail.ts): the jail is present and enabled, reads the
 * verdict log the service writes, that log exists and the service user can append to it, fail2ban accepts the
 * configuration and, for the host's own, the running server has the jail. Each problem is a line of its own.
 */
async function checkCampaignJail(settings: ServiceSettings): Promise<CheckResult[]> {
  const what = 'fail2ban jail';
  const hostConfig = resolve(settings.fail2banConfig) === HOST_FAIL2BAN;
  const report = await inspectCampaignJail({
    verdictLog: settings.verdictLog,
    jail: settings.campaignJail,
    sshPorts: settings.sshPorts,
    // The server is asked whether it runs the jail only when its configuration is the one checked.
    ...(hostConfig ? {} : { configDir: settings.fail2banConfig }),
  });
  const warnings = report.warnings.map((message): CheckResult => ({ level: 'warning', what, message }));
  if (report.problems.length > 0) {
    return [...report.problems.map((message): CheckResult => ({ level: 'error', what, message })), ...warnings];
  }
  const via = report.fail2banAccepts === true ? 'fail2ban-client -d' : 'jail files';
  const wired = `[${report.jail}] is enabled and watches ${resolve(settings.verdictLog)}, which the service can write (${via})`;
  if (!hostConfig) return [{ level: 'ok', what, message: wired }, ...warnings];
  const server: CheckResult[] =
    report.running === true
      ? [{ level: 'ok', what, message: `${wired}; the running fail2ban has the jail` }]
      : [
          {
            level: 'warning',
            what,
            message: `${wired}; but no fail2ban-server answers: nothing is banned until it runs`,
          },
        ];
  return [...server, ...warnings];
}

export const checkCommand: Command = {
  name: 'check',
  usage,
  async run(argv) {
    const parsed = serviceArgs(argv);
    const config = parsed.load(); // throws F2bCampaignError naming each bad key: main prints it and exits 1
    const settings = parsed.settingsOf(config);
    const results = await runChecks(config, settings);
    for (const r of results) process.stdout.write(`${r.level.padEnd(7)} ${r.what}: ${r.message}\n`);
    const errors = results.filter((r) => r.level === 'error').length;
    process.stdout.write(
      errors === 0 ? 'f2b-campaign check: all good\n' : `f2b-campaign check: ${errors} problem(s)\n`,
    );
    return errors === 0 ? 0 : 1;
  },
};
