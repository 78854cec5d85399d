import { hostname } from 'node:os';
import { F2bCampaignError } from '../core/errors.js';
import {
  BUNDLED_CAMPAIGN_BANTIME,
  DEBIAN_DEFAULT_THRESHOLDS,
  type Fail2banThresholds,
  LOOPBACK_IGNOREIP,
} from '../core/fail2ban-thresholds.js';
import { installedFail2banVersion } from './client-dump.js';
import { configurationRefusal } from './configuration-refusal.js';
import { parseFail2banBantime, parseFail2banDuration } from './fail2ban-duration.js';
import { dnsLookup, type HostLookup, readIgnoreip } from './ignoreip.js';
import { isTrue, jailOption } from './jail-files.js';
import type { Reading } from './jail-reading.js';
import type { PyValue } from './python-literal.js';
import { fromClient } from './reading-from-client.js';
import { fromFiles, readFiles } from './reading-from-files.js';

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

/**
 * ignoreip with what ignoreself adds: loopback, and, as fail2ban's DNSUtils.getSelfIPs, the addresses this host's
 * name resolves to (a host whose name resolves to its public address would otherwise get BAN lines for its own
 * address, which fail2ban then refuses). A name that does not resolve adds nothing, as in fail2ban.
 */
async function withSelf(ignoreip: readonly string[], ignoreself: boolean, lookup: HostLookup): Promise<string[]> {
  const out = [...ignoreip];
  if (!ignoreself) return out;
  // fail2ban's `ignoreself` (on unless turned off) ignores the host's own addresses, loopback included.
  for (const address of LOOPBACK_IGNOREIP) if (!out.includes(address)) out.push(address);
  const self = await readIgnoreip([hostname()], lookup, 2_000);
  for (const address of self.entries.slice(1)) {
    const loopback = address.startsWith('127.') || address === '::1'; // in LOOPBACK_IGNOREIP already
    if (!loopback && !out.includes(address)) out.push(address);
  }
  return out;
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
 * A jail's bantime as fail2ban applies it. A negative one other than -1 bans nothing (parseFail2banBantime): said,
 * and read as 0, a ban that ends as it begins, so a member is not taken for banned (found by a mutation audit: such
 * a bantime was read as permanent, and a campaign's members as banned for ever).
 */
function readBantime(value: PyValue | undefined, fallback: number, jail: string, warn: (m: string) => void): number {
  if (typeof value !== 'string' && typeof value !== 'number') return fallback;
  const ms = parseFail2banBantime(value);
  if (ms !== null) return ms;
  warn(
    `bantime = ${value} in the [${jail}] jail: fail2ban takes only -1 as a permanent ban, and any other negative ` +
      'bantime ends each ban before it begins, so that jail bans nothing (fail2ban logs "Ignore ..., expired ' +
      'bantime"); set -1 for permanent bans, or a positive time',
  );
  return 0;
}

/**
 * fail2ban's view of one jail (maxretry, findtime, bantime, ignoreip), and the bantime and ignoreip (added to the
 * other jail's) of the f2b-campaign jail: from `fail2ban-client -d` when fail2ban is installed, else from its jail
 * files in fail2ban's order, else Debian's defaults (5 in 10 minutes) and the bundled jail's day. Host names in
 * ignoreip are resolved, as fail2ban does. Throws F2bCampaignError only when a value is there but unreadable (a
 * silent default would misjudge every source).
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
  const viaFiles =
    sections.size > 0 || files.unreadable.length > 0 ? fromFiles(files, configDir, jail, campaignJail, warn) : null;
  warnUnreadable([viaFiles, viaClient], warn); // the files first: they say why (EACCES)
  // fail2ban-client, when it answers, has resolved every reference it reads; else the files are checked as it would.
  const refusal = viaClient ? null : configurationRefusal(sections, configDir);
  if (refusal) throw new F2bCampaignError('BAD_FAIL2BAN_REFERENCE', refusal);
  const reading = viaClient?.jail ? viaClient : viaFiles;
  const campaign = viaClient?.campaign ?? viaFiles?.campaign ?? null;
  // What is left unresolved in a jail fail2ban runs is a %(known/opt)s, which its filter (not read here) may define:
  // refused rather than guessed, as f2b-campaign needs the value and a guess would misjudge sources.
  const unknown = reading?.jail?.refusal ?? campaign?.refusal;
  if (unknown) throw new F2bCampaignError('BAD_FAIL2BAN_REFERENCE', unknown);
  const campaignBantime = readBantime(campaign?.bantime, BUNDLED_CAMPAIGN_BANTIME, campaignJail, warn);
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
  // fail2ban also ignores what the f2b-campaign jail's own ignoreip lists when it reads our BAN lines: an address an
  // admin spares from campaign bans there (jail.d/f2b-campaign.local) is spared here too. Found in review: it got
  // BAN lines fail2ban ignored, and as a campaign member each of its logins was a compromise alert.
  const ownWords = new Set(own.ignoreip);
  const spared = await readIgnoreip(
    (campaign?.ignoreip ?? []).filter((word) => !ownWords.has(word)),
    options.lookup,
  );
  for (const message of spared.warnings) warn(message);
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
    bantime: readBantime(own.bantime, DEBIAN_DEFAULT_THRESHOLDS.bantime, jail, warn),
    ignoreip: await withSelf([...ignoreip.entries, ...spared.entries], own.ignoreself, options.lookup ?? dnsLookup),
    origin: reading.origin,
    campaignBantime,
  };
}
