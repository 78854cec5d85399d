import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { F2bCampaignError } from '../core/errors.js';
import {
  BUNDLED_CAMPAIGN_BANTIME,
  DEBIAN_DEFAULT_THRESHOLDS,
  type Fail2banThresholds,
} from '../core/fail2ban-thresholds.js';
import { dumpFail2banConfig, installedFail2banVersion, parseFail2banDump } from './client-dump.js';
import { configurationRefusal, refusalOf } from './configuration-refusal.js';
import { parseFail2banDuration } from './fail2ban-duration.js';
import { dnsLookup, type HostLookup, readIgnoreip } from './ignoreip.js';
import { interpolate, type UnresolvedReference } from './interpolate.js';
import { isTrue, type JailFiles, type JailSections, jailNames, jailOption, readJailSections } from './jail-files.js';
import type { PyValue } from './python-literal.js';

export interface ReadThresholdsOptions {
  /** The jail whose thresholds attackers stay under; `sshd` by default. */
  readonly jail?: string;
  /** fail2ban's configuration directory; `/etc/fail2ban` by default. */
  readonly configDir?: string;
  /** Ask `fail2ban-client -d` first (default true); false reads the jail files directly. */
  readonly useClient?: boolean;
  /** The jail that reads our verdicts, whose bantime says how long a member stays banned; `f2b-campaign`. */
  readonly campaignJail?: string;
  /**
   * Told, one sentence each, what in fail2ban's configuration f2b-campaign cannot honour the way fail2ban does: the
   * jail is not one fail2ban runs, an ignoreip name that does not resolve, an ignorecommand. `check` prints them as
   * warnings, the service logs them.
   */
  readonly onWarning?: (message: string) => void;
  /** Resolves host names in ignoreip; DNS (getaddrinfo) by default. */
  readonly lookup?: HostLookup;
}

/** fail2ban's `ignoreself` (on unless turned off) ignores the host's own addresses, loopback included. */
const SELF = ['127.0.0.1/8', '::1'];

function splitWords(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((word) => word.length > 0);
}

/**
 * ignoreip with what ignoreself adds: loopback, and, as fail2ban's DNSUtils.getSelfIPs, the addresses this host's
 * name resolves to (a host whose name resolves to its public address would otherwise get BAN lines for its own
 * address, which fail2ban then refuses). A name that does not resolve adds nothing, as in fail2ban.
 */
async function withSelf(ignoreip: readonly string[], ignoreself: boolean, lookup: HostLookup): Promise<string[]> {
  const out = [...ignoreip];
  if (!ignoreself) return out;
  for (const address of SELF) if (!out.includes(address)) out.push(address);
  const self = await readIgnoreip([hostname()], lookup, 2_000);
  for (const address of self.entries.slice(1)) {
    const loopback = address.startsWith('127.') || address === '::1'; // in SELF already
    if (!loopback && !out.includes(address)) out.push(address);
  }
  return out;
}

/** One jail's settings as fail2ban's configuration states them, before f2b-campaign reads them. */
interface JailText {
  readonly maxretry: PyValue | undefined;
  readonly findtime: PyValue | undefined;
  readonly bantime: PyValue | undefined;
  readonly ignoreip: readonly string[];
  readonly ignoreself: boolean;
  readonly ignorecommand: string;
  /**
   * Why fail2ban would refuse the configuration over one of these settings (a reference it cannot resolve in a jail
   * it runs).
   */
  readonly refusal: string | null;
}

/** What one reader (fail2ban-client -d, or the jail files) says about the two jails f2b-campaign cares about. */
interface Reading {
  readonly origin: 'fail2ban-client' | 'jail-files';
  /** Null when fail2ban would not run the jail (client) or there is no such section (files). */
  readonly jail: JailText | null;
  readonly campaign: JailText | null;
  /** The jails fail2ban would run. */
  readonly running: readonly string[];
  /** Jail files this reader could not read (so their settings are missing from it), each with why when known. */
  readonly unreadable: ReadonlyMap<string, string>;
}

/** The files of fail2ban-client's `Could not read config files: a, b` errors (it skips them and reads the rest). */
function unreadableInDump(errors: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const error of errors) {
    const listed = /^Could not read config files: (.*)$/.exec(error.trim())?.[1];
    for (const file of listed?.split(', ') ?? []) files.set(resolve(file), 'fail2ban-client could not read it');
  }
  return files;
}

async function fromClient(
  jail: string,
  campaignJail: string,
  configDir: string | undefined,
  warn: (message: string) => void,
): Promise<Reading | null> {
  let dump: Awaited<ReturnType<typeof dumpFail2banConfig>>;
  try {
    dump = await dumpFail2banConfig(configDir);
  } catch (error) {
    // Not installed: the files are all there is, nothing to say. Installed but failing: the files may still be
    // readable, but the operator must hear that fail2ban itself will not start with this configuration.
    const failure = clientFailure(error);
    if (failure !== null) warn(failure);
    return null;
  }
  const jails = parseFail2banDump(dump.text);
  const read = (name: string): JailText | null => {
    const dumped = jails.get(name);
    if (!dumped) return null; // disabled or absent: fail2ban says nothing about it, the files still do
    const ignoreself = dumped.settings.get('ignoreself');
    const ignorecommand = dumped.settings.get('ignorecommand');
    return {
      maxretry: dumped.settings.get('maxretry'),
      findtime: dumped.settings.get('findtime'),
      bantime: dumped.settings.get('bantime'),
      ignoreip: dumped.ignoreip,
      ignoreself: ignoreself !== false && ignoreself !== 'false',
      ignorecommand: typeof ignorecommand === 'string' ? ignorecommand.trim() : '',
      refusal: null, // fail2ban resolved them all, or it would have printed nothing
    };
  };
  return {
    origin: 'fail2ban-client',
    jail: read(jail),
    campaign: read(campaignJail),
    running: [...jails.keys()],
    unreadable: unreadableInDump(dump.errors),
  };
}

/** Why `fail2ban-client -d` gave no dump, for a warning; null when fail2ban is not installed. */
function clientFailure(error: unknown): string | null {
  const e = error as { code?: string; timedOut?: boolean; exitCode?: number; stderr?: string; message?: string };
  if (e.code === 'ENOENT') return null;
  const fallback = 'the figures are read from the jail files instead';
  if (e.timedOut) return `fail2ban-client -d did not answer in time: ${fallback}`;
  // fail2ban's records begin with their time; a record's further lines (the file and line of a parse error) follow.
  const records = (e.stderr ?? '').split(/\n(?=\d{4}-\d\d-\d\d )/).filter((record) => /\bERROR\b/.test(record));
  const said = records
    .map((record) =>
      record
        .replace(/^.*?\bERROR\s+/, '')
        .replace(/\s*\n\s*/g, ' ')
        .trim()
        .slice(0, 400),
    )
    .filter((record) => record !== '');
  const why = said.length > 0 ? said.join('; ') : (e.message ?? String(error)).split('\n')[0];
  return (
    `fail2ban-client -d failed (exit ${e.exitCode ?? '?'}): ${why}; fail2ban itself will not start with this ` +
    `configuration; ${fallback}`
  );
}

/** What f2b-campaign takes for an option it reads when the option is unset, by jail (the guarded one, ours). */
const UNSET_IN_JAIL: Readonly<Record<string, string>> = {
  maxretry: "Debian's default (5)",
  findtime: "Debian's default (10m)",
  bantime: "Debian's default (10m)",
  ignoreself: "fail2ban's default (true)",
};
const UNSET_IN_CAMPAIGN_JAIL: Readonly<Record<string, string>> = { bantime: "the bundled jail's (1d)" };

/**
 * `key` of a jail fail2ban does not run, whose value holds a reference fail2ban cannot resolve (`first`): fail2ban
 * starts all the same, as it reads only enabled, backend and filter of such a jail, so f2b-campaign does not refuse
 * either. It reads the value the option would have without that line instead (the one it overrides in an earlier
 * file, else [DEFAULT]'s, else what f2b-campaign takes when it is unset), and says so in a warning.
 */
function readPastReference(
  sections: JailSections,
  jail: string,
  key: string,
  first: UnresolvedReference,
  unset: Readonly<Record<string, string>>,
  warn: (message: string) => void,
): string | undefined {
  const own = sections.get(jail)?.get(key);
  const raw = own ?? sections.get('DEFAULT')?.get(key) ?? '';
  const earlier: ReadonlyArray<readonly [source: string, raw: string | undefined]> =
    own === undefined || jail === 'DEFAULT'
      ? []
      : [
          ['the value it overrides', sections.get(`KNOWN/${jail}`)?.get(key)],
          [`[DEFAULT]'s ${key}`, sections.get('DEFAULT')?.get(key)],
        ];
  let instead: { source: string; value: string | undefined } = {
    source: unset[key] ?? 'nothing (as if it were unset)',
    value: undefined,
  };
  for (const [source, text] of earlier) {
    if (text === undefined) continue;
    let resolved = true;
    const value = interpolate(sections, jail, text, () => {
      resolved = false;
    });
    if (resolved) {
      instead = { source: `${source} (${value.replace(/\s*\n\s*/g, ' ')})`, value };
      break;
    }
  }
  const where =
    jail === 'DEFAULT'
      ? 'in [DEFAULT]'
      : `in the disabled [${jail}] jail${own === undefined ? ' (from [DEFAULT])' : ''}`;
  warn(
    `${key} = ${raw.replace(/\s*\n\s*/g, ' ')} ${where}: fail2ban cannot interpolate ${first.reference} ` +
      `(${first.reason}) but starts all the same, as it reads no more of a jail it does not run than enabled, ` +
      `backend and filter; f2b-campaign uses ${instead.source} instead; correct it`,
  );
  return instead.value;
}

function fromFiles(files: JailFiles, jail: string, campaignJail: string, warn: (message: string) => void): Reading {
  const { sections } = files;
  const running = jailNames(sections).filter((name) => isTrue(jailOption(sections, name, 'enabled')));
  // Only a jail that is there: jailOption falls back to [DEFAULT] for everything.
  const read = (name: string, unset: Readonly<Record<string, string>>): JailText | null => {
    if (!sections.has(name)) return null;
    let refusal: string | null = null;
    const option = (key: string): string | undefined => {
      const unresolved: UnresolvedReference[] = [];
      const value = jailOption(sections, name, key, (reference) => unresolved.push(reference));
      const first = unresolved[0];
      if (first === undefined) return value;
      if (!running.includes(name)) return readPastReference(sections, name, key, first, unset, warn);
      refusal ??= refusalOf(sections, name, key, first);
      return value;
    };
    const ignoreself = option('ignoreself');
    return {
      maxretry: option('maxretry'),
      findtime: option('findtime'),
      bantime: option('bantime'),
      ignoreip: splitWords(option('ignoreip')),
      ignoreself: ignoreself === undefined || isTrue(ignoreself),
      ignorecommand: option('ignorecommand')?.trim() ?? '',
      refusal,
    };
  };
  // A jail that is not there is read from [DEFAULT], as before (a warning says so).
  const own = read(jail, UNSET_IN_JAIL) ?? read('DEFAULT', UNSET_IN_JAIL);
  const unreadable = new Map(files.unreadable.map(({ file, reason }) => [resolve(file), reason]));
  return {
    origin: 'jail-files',
    jail: own,
    campaign: read(campaignJail, UNSET_IN_CAMPAIGN_JAIL),
    running,
    unreadable,
  };
}

/** The jail files, none when there is no such directory; a file that cannot be read is skipped and reported. */
function readFiles(configDir: string, fail2banVersion: string | null): JailFiles {
  return existsSync(configDir)
    ? readJailSections(configDir, fail2banVersion)
    : { sections: new Map(), unreadable: [], files: [] };
}

/**
 * One warning per jail file either reader could not read: fail2ban-server (root) applies its settings, but the
 * service, which runs as its own user, does not, so an address that only its ignoreip protects may get BAN lines.
 */
function warnUnreadable(readings: ReadonlyArray<Reading | null>, warn: (message: string) => void): void {
  const files = new Map<string, string>();
  for (const reading of readings) {
    for (const [file, reason] of reading?.unreadable ?? []) if (!files.has(file)) files.set(file, reason);
  }
  for (const [file, reason] of files) {
    warn(
      `${file} cannot be read (${reason}): its settings, ignoreip included, are not applied, so an address only it ` +
        'protects may get BAN lines; make it readable by the user f2b-campaign runs as (chgrp f2b-campaign, chmod 640), ' +
        'or put its ignoreip in a readable file',
    );
  }
}

/**
 * maxretry as fail2ban-server takes it: Python's int() of the text (a sign and digits), else nothing. A value that
 * is there but not a whole number (`3.5`, which fail2ban-client -d gives as None) stops fail2ban-server's start
 * stream there, before any jail is started: refused here too, through either reader, rather than guessed.
 */
function readMaxretry(value: PyValue | undefined, jail: string, written: string | undefined): number {
  if (value === undefined) return DEBIAN_DEFAULT_THRESHOLDS.maxretry;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
  const text = written ?? (value === null ? 'None (as fail2ban-client -d gives it)' : String(value));
  throw new F2bCampaignError(
    'BAD_FAIL2BAN_MAXRETRY',
    `maxretry = ${text} in the [${jail}] jail is not a whole number: fail2ban-server cannot read it either, and ` +
      'starts no jail at all (its start stream stops there); set a whole number',
  );
}

function readDuration(value: PyValue | undefined, fallback: number): number {
  return typeof value === 'string' || typeof value === 'number' ? parseFail2banDuration(value) : fallback;
}

/**
 * fail2ban's view of one jail (maxretry, findtime, bantime, ignoreip), and the bantime of the f2b-campaign jail:
 * from `fail2ban-client -d` when fail2ban is installed, else from its jail files in fail2ban's order, else Debian's
 * defaults (5 in 10 minutes) and the bundled jail's day. Host names in ignoreip are resolved, as fail2ban does.
 * Throws F2bCampaignError only when a value is there but unreadable (a silent default would misjudge every source).
 */
export async function readFail2banThresholds(options: ReadThresholdsOptions = {}): Promise<Fail2banThresholds> {
  const jail = options.jail ?? 'sshd';
  const campaignJail = options.campaignJail ?? 'f2b-campaign';
  const configDir = options.configDir ?? '/etc/fail2ban';
  const warn = options.onWarning ?? (() => {});
  const useClient = options.useClient ?? true;
  const [viaClient, version] = useClient
    ? await Promise.all([fromClient(jail, campaignJail, options.configDir, warn), installedFail2banVersion()])
    : [null, null];
  const files = readFiles(configDir, version);
  const { sections } = files;
  const viaFiles = sections.size > 0 || files.unreadable.length > 0 ? fromFiles(files, jail, campaignJail, warn) : null;
  warnUnreadable([viaFiles, viaClient], warn); // the files first: they say why (EACCES)
  // fail2ban-client, when it answers, has resolved every reference it reads; else the files are checked as it would.
  const refusal = viaClient ? null : configurationRefusal(sections);
  if (refusal) throw new F2bCampaignError('BAD_FAIL2BAN_REFERENCE', refusal);
  const reading = viaClient?.jail ? viaClient : viaFiles;
  const campaign = viaClient?.campaign ?? viaFiles?.campaign ?? null;
  // What is left unresolved in a jail fail2ban runs is a %(known/opt)s, which its filter (not read here) may define:
  // refused rather than guessed, as f2b-campaign needs the value and a guess would misjudge sources.
  const unknown = reading?.jail?.refusal ?? campaign?.refusal;
  if (unknown) throw new F2bCampaignError('BAD_FAIL2BAN_REFERENCE', unknown);
  const campaignBantime =
    campaign?.bantime === undefined
      ? BUNDLED_CAMPAIGN_BANTIME
      : readDuration(campaign.bantime, BUNDLED_CAMPAIGN_BANTIME);
  if (!reading?.jail) return { ...DEBIAN_DEFAULT_THRESHOLDS, campaignBantime };

  const running = (viaClient ?? reading).running.filter((name) => name !== campaignJail);
  const others = running.length > 0 ? `fail2ban runs ${running.join(', ')}` : 'fail2ban runs no other jail';
  const choose = 'set [service] fail2ban_jail to the jail that guards sshd';
  if (viaClient?.jail) {
    // fail2ban runs the jail: its own figures.
  } else if (!sections.has(jail)) {
    warn(`there is no [${jail}] jail in ${configDir}: its [DEFAULT] values are used; ${others}; ${choose}`);
  } else if (!isTrue(jailOption(sections, jail, 'enabled'))) {
    warn(
      `the [${jail}] jail is disabled: its figures are read, but fail2ban enforces them nowhere; ${others}; ${choose}`,
    );
  } else if (viaClient) {
    warn(`fail2ban-client -d leaves out the [${jail}] jail (an error in it, see its output): figures from the files`);
  }

  const own = reading.jail;
  const ignoreip = await readIgnoreip(own.ignoreip, options.lookup);
  for (const message of ignoreip.warnings) warn(message);
  const campaignIgnores = new Set((campaign?.ignoreip ?? []).map((word) => word.toLowerCase()));
  for (const name of ignoreip.resolvedNames) {
    if (campaignIgnores.has(name.toLowerCase())) continue;
    warn(
      `ignoreip ${name} is resolved by f2b-campaign only at start and on SIGHUP, and the [${campaignJail}] jail ` +
        `does not ignore it: put it in [DEFAULT] ignoreip so that fail2ban, which resolves it at each ban, protects it too`,
    );
  }
  if (own.ignorecommand !== '' && own.ignorecommand !== campaign?.ignorecommand) {
    warn(
      `the [${jail}] jail has ignorecommand = ${own.ignorecommand}, which f2b-campaign does not run, and the ` +
        `[${campaignJail}] jail does not have it: give [${campaignJail}] the same ignorecommand ` +
        `(jail.d/${campaignJail}.local) so that fail2ban still spares what it spares`,
    );
  }
  return {
    maxretry: readMaxretry(own.maxretry, jail, jailOption(sections, jail, 'maxretry')),
    findtime: readDuration(own.findtime, DEBIAN_DEFAULT_THRESHOLDS.findtime),
    bantime: readDuration(own.bantime, DEBIAN_DEFAULT_THRESHOLDS.bantime),
    ignoreip: await withSelf(ignoreip.entries, own.ignoreself, options.lookup ?? dnsLookup),
    origin: reading.origin,
    campaignBantime,
  };
}
