import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadExeca } from '../sources/load-execa.js';
import { dumpFail2banConfig, parseFail2banDump } from './client-dump.js';
import { isTrue, type JailFiles, jailOption, readJailSections } from './jail-files.js';
import { KILL_ACTION, KILL_ACTION_FILE, killActionWarnings, reloadMarkWarning } from './kill-action.js';
import { globMatches, isGlob } from './logpath-glob.js';
import { fail2banPidfile, reloadMarkOf } from './server-pidfile.js';
import { canRead, canWrite } from './writable.js';

export interface InspectCampaignJailOptions {
  /** The verdict log the service writes (`[service] verdict_log`). */
  readonly verdictLog: string;
  /** The jail's name; `f2b-campaign` by default. */
  readonly jail?: string;
  /** fail2ban's configuration directory; `/etc/fail2ban` by default. */
  readonly configDir?: string;
  /** Also ask fail2ban itself (`fail2ban-client -d`, `status`); default true. */
  readonly useClient?: boolean;
  /** The user the service runs as, for the writability check; `f2b-campaign` by default. */
  readonly serviceUser?: string;
  /** sshd's ports as the service knows them (`[service] ssh_ports`): checked against the kill action's. */
  readonly sshPorts?: readonly number[];
}

export interface CampaignJailReport {
  readonly jail: string;
  /** A section for the jail exists in fail2ban's jail files. */
  readonly present: boolean;
  readonly enabled: boolean;
  /** The jail's logpath entries as fail2ban would read them (interpolated, `head`/`tail` words dropped). */
  readonly logpaths: readonly string[];
  /** One of the logpaths is the verdict log. */
  readonly readsVerdictLog: boolean;
  readonly backend: string | null;
  readonly verdictLogExists: boolean;
  /** Whether the service user (or, without such a user, this process) can append to the verdict log. */
  readonly verdictLogWritable: boolean;
  /** fail2ban's own parse of its configuration: true accepted, false rejected, null not asked or not installed. */
  readonly fail2banAccepts: boolean | null;
  /** The running server has the jail: true, false (running without it), null (not running or not reachable). */
  readonly running: boolean | null;
  /** Each problem says what is wrong, what was expected, and what to do. Empty when all is well. */
  readonly problems: readonly string[];
  /**
   * What bans nonetheless but less well than it should (the kill action left out, or not on sshd's ports), and checks
   * that could not be made (fail2ban-client -t did not finish): no fault shown there, nothing shown either.
   */
  readonly warnings: readonly string[];
}

function logpathFiles(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter((word) => word.length > 0 && word !== 'head' && word !== 'tail');
}

/**
 * Why fail2ban would refuse to start with its configuration (`fail2ban-client -t` checks what `-d` does not, such
 * as every jail's log existing), or null when it would start. A stock Debian 12 without rsyslog is the common case:
 * its sshd jail reads /var/log/auth.log, which does not exist, so fail2ban does not run at all and bans nothing.
 * The journal is the remedy for sshd's jail only: the campaign jail reads a file (the verdict log, said missing
 * already), and another jail's log is for its own program to write.
 */
async function whyRefused(
  campaignJail: string,
  configDir?: string,
): Promise<{ readonly known: boolean; readonly message: string } | null> {
  const args = configDir === undefined ? ['-t'] : ['-c', configDir, '-t'];
  const execa = await loadExeca();
  const test = await execa('fail2ban-client', args, { reject: false, timeout: 30_000, stdin: 'ignore', all: true });
  if (test.exitCode === 0) return null;
  if (test.exitCode === undefined) {
    // Timed out, killed, or not started: that says nothing about the configuration.
    const how = test.timedOut ? 'timed out after 30 s' : (test.signal ?? test.shortMessage);
    const message = `fail2ban-client -t did not finish (${how}): whether fail2ban would start with its configuration is unknown`;
    return { known: false, message };
  }
  const lines = (test.all ?? '').split('\n');
  const line = lines.find((l) => /Failed during configuration/.test(l)) ?? lines.find((l) => /ERROR/.test(l));
  const reason = line?.replace(/^.*?ERROR\s+/, '').replace(/^Failed during configuration:\s*/, '') ?? 'see its output';
  const missing = /Have not found any log file for (\S+) jail/.exec(reason)?.[1];
  const local = (jail: string) => `[${jail}] in ${configDir ?? '/etc/fail2ban'}/jail.d/${jail}.local`;
  let hint = '';
  if (missing === campaignJail) hint = ': its log is the verdict log';
  else if (missing !== undefined && /^sshd\b/.test(missing)) {
    hint =
      `: the ${missing} jail's log file does not exist; where sshd logs to the journal only (Debian 12 without ` +
      `rsyslog), set backend = systemd for it (${local(missing)}), then restart fail2ban`;
  } else if (missing !== undefined) {
    hint = `: the ${missing} jail's log file does not exist: create it, or disable the jail (enabled = false, ${local(missing)})`;
  }
  const message = `fail2ban refuses its configuration (fail2ban-client -t: ${reason})${hint}; until it starts nothing is banned`;
  return { known: true, message };
}

/**
 * The jail files that this process, or the service user, cannot read: fail2ban-server (root) applies them, the
 * service does not, so an address only their ignoreip protects would get BAN lines.
 */
function unreadableFiles(files: JailFiles | null, serviceUser: string): string[] {
  const why =
    'f2b-campaign does not apply its settings, ignoreip included, so an address only it protects may get BAN lines';
  return [
    ...(files?.unreadable ?? []).map(
      ({ file, reason }) =>
        `${file} cannot be read (${reason}): ${why}; make it a file ${serviceUser} can read, or remove it`,
    ),
    ...(files?.files ?? [])
      .filter((file) => !canRead(file, serviceUser))
      .map(
        (file) =>
          `${file} is not readable by the service user ${serviceUser}: ${why}; chgrp ${serviceUser} and chmod 640 it (or put its ignoreip in a readable file)`,
      ),
  ];
}

async function askServer(jail: string): Promise<boolean | null> {
  const execa = await loadExeca();
  const ping = await execa('fail2ban-client', ['ping'], { reject: false, timeout: 10_000, stdin: 'ignore' }).catch(
    () => null,
  );
  if (ping?.exitCode !== 0) return null; // not running, or its socket is not ours to use
  const status = await execa('fail2ban-client', ['status', jail], { reject: false, timeout: 10_000, stdin: 'ignore' });
  return status.exitCode === 0;
}

/**
 * Inspects the f2b-campaign jail for `f2b-campaign check`: is it there and enabled, does it read the verdict log the
 * service writes, can the service write that log, does fail2ban accept its configuration and run the jail.
 */
export async function inspectCampaignJail(options: InspectCampaignJailOptions): Promise<CampaignJailReport> {
  const jail = options.jail ?? 'f2b-campaign';
  const configDir = options.configDir ?? '/etc/fail2ban';
  const verdictLog = resolve(options.verdictLog);
  const problems: string[] = [];
  const warnings: string[] = [];
  const serviceUser = options.serviceUser ?? 'f2b-campaign';
  const files = existsSync(configDir) ? readJailSections(configDir) : null;
  const sections = files?.sections ?? new Map();
  if (!files) {
    problems.push(`fail2ban's configuration ${configDir} does not exist: install fail2ban, or verdicts ban nobody`);
  }
  problems.push(...unreadableFiles(files, serviceUser));
  const present = sections.has(jail);
  const option = (key: string): string | undefined => jailOption(sections, jail, key);
  const enabled = present && isTrue(option('enabled'));
  const logpaths = present ? logpathFiles(option('logpath')).map((path) => resolve(path)) : [];
  const backend = present ? (option('backend') ?? null) : null;
  // A glob is expanded by fail2ban (fail2ban-client -d lists the files): the verdict log may be one it finds.
  const readsVerdictLog = logpaths.some(
    (path) => path === verdictLog || (isGlob(path) && globMatches(path, verdictLog)),
  );
  const verdictLogExists = existsSync(verdictLog);
  const verdictLogWritable = canWrite(verdictLog, serviceUser);

  if (existsSync(configDir) && !present) {
    problems.push(`no [${jail}] jail in ${configDir}/jail.d: reinstall the package (jail.d/${jail}.conf)`);
  }
  if (present && !enabled) {
    problems.push(`the ${jail} jail is not enabled (enabled = ${option('enabled') ?? 'unset'}): set enabled = true`);
  }
  if (present && !readsVerdictLog) {
    problems.push(
      `the ${jail} jail reads ${logpaths.join(' ') || 'no file'}, but the service writes ${verdictLog}: ` +
        `set logpath = ${verdictLog} in ${configDir}/jail.d/${jail}.local`,
    );
  }
  if (present && backend !== null && !/^(polling|auto|pyinotify)$/.test(backend)) {
    problems.push(`the ${jail} jail uses backend = ${backend}, but verdicts are a file: set backend = polling`);
  }
  const filter = present ? (option('filter') ?? jail).split('[')[0]!.trim() : jail;
  if (present && !existsSync(join(configDir, 'filter.d', `${filter}.conf`))) {
    problems.push(`the ${jail} jail's filter ${configDir}/filter.d/${filter}.conf is missing: reinstall the package`);
  }
  // fail2ban skips a jail whose action it cannot read: nothing would be banned at all.
  const action = present ? option('action') : undefined;
  if (action?.includes(KILL_ACTION) && !existsSync(join(configDir, KILL_ACTION_FILE))) {
    problems.push(`the ${jail} jail's action ${configDir}/${KILL_ACTION_FILE} is missing: reinstall the package`);
  }
  if (enabled && options.sshPorts) {
    const local = `${configDir}/jail.d/${jail}.local`;
    warnings.push(
      ...killActionWarnings({ jail, action, sshdPort: option('sshd_port'), sshPorts: options.sshPorts, local }),
    );
  }
  if (!verdictLogExists) {
    problems.push(`the verdict log ${verdictLog} does not exist: fail2ban refuses to start without a jail's log`);
  } else if (!verdictLogWritable) {
    problems.push(`the verdict log ${verdictLog} is not writable by the service user: verdicts would be lost`);
  }

  let fail2banAccepts: boolean | null = null;
  let running: boolean | null = null;
  if (options.useClient ?? true) {
    try {
      const dump = await dumpFail2banConfig(options.configDir);
      const dumped = parseFail2banDump(dump.text).get(jail);
      fail2banAccepts = dump.errors.length === 0;
      // The files it could not read are named above already, with why.
      const reported = (files?.unreadable.length ?? 0) > 0 ? /^Could not read config files:/ : /^$/;
      const errors = dump.errors.filter((error) => !reported.test(error));
      if (errors.length > 0) problems.push(`fail2ban reports errors in its configuration: ${errors.join('; ')}`);
      if (
        enabled &&
        readsVerdictLog &&
        verdictLogExists &&
        !dumped?.logpaths.map((p) => resolve(p)).includes(verdictLog)
      ) {
        problems.push(`fail2ban-client -d does not show ${verdictLog} as a log of the ${jail} jail`);
      }
      // Where the service looks for the mark of fail2ban's reloads (fail2ban-server-watch.ts), and what marks it.
      const pidfile = fail2banPidfile(configDir);
      const kill = dumped?.actionSettings.get(KILL_ACTION);
      if (enabled && kill && pidfile !== null) {
        const warning = reloadMarkWarning(jail, kill.get('actionreload'), reloadMarkOf(pidfile));
        if (warning) warnings.push(warning);
      }
    } catch (error) {
      const failure = error as { code?: string; stderr?: string; message?: string };
      if (failure.code !== 'ENOENT') {
        fail2banAccepts = false;
        const reason = (failure.stderr ?? failure.message ?? '').split('\n').find((l) => /ERROR|Error/.test(l));
        problems.push(`fail2ban-client -d failed: ${reason ?? failure.message ?? 'see its output'}`);
      }
    }
    // Only the host's own configuration is what the running server loaded.
    if (fail2banAccepts !== null && options.configDir === undefined) running = await askServer(jail);
    if (fail2banAccepts === true) {
      const refused = await whyRefused(jail, options.configDir);
      if (refused !== null) (refused.known ? problems : warnings).push(refused.message);
    }
    if (running === false && enabled) {
      problems.push(`fail2ban runs without the ${jail} jail: run fail2ban-client reload`);
    }
  }
  return {
    jail,
    present,
    enabled,
    logpaths,
    readsVerdictLog,
    backend,
    verdictLogExists,
    verdictLogWritable,
    fail2banAccepts,
    running,
    problems,
    warnings,
  };
}
