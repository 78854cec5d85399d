import { existsSync } from 'node:fs';
import {
  BUNDLED_CAMPAIGN_BANTIME,
  DEBIAN_DEFAULT_THRESHOLDS,
  type Fail2banThresholds,
} from '../core/fail2ban-thresholds.js';
import { dumpFail2banConfig, parseFail2banDump } from './client-dump.js';
import { parseFail2banDuration } from './fail2ban-duration.js';
import { isTrue, jailOption, readJailSections } from './jail-files.js';

export interface ReadThresholdsOptions {
  /** The jail whose thresholds attackers stay under; `sshd` by default. */
  readonly jail?: string;
  /** fail2ban's configuration directory; `/etc/fail2ban` by default. */
  readonly configDir?: string;
  /** Ask `fail2ban-client -d` first (default true); false reads the jail files directly. */
  readonly useClient?: boolean;
  /** The jail that reads our verdicts, whose bantime says how long a member stays banned; `f2b-campaign`. */
  readonly campaignJail?: string;
}

/** fail2ban's `ignoreself` (on unless turned off) ignores the host's own addresses, loopback included. */
const SELF = ['127.0.0.1/8', '::1'];

function splitWords(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((word) => word.length > 0);
}

function withSelf(ignoreip: readonly string[], ignoreself: boolean): string[] {
  const out = [...ignoreip];
  if (ignoreself) for (const address of SELF) if (!out.includes(address)) out.push(address);
  return out;
}

type JailFigures = Omit<Fail2banThresholds, 'campaignBantime'>;

async function fromClient(
  jail: string,
  campaignJail: string,
  configDir: string | undefined,
): Promise<{ figures: JailFigures | null; campaignBantime: number | undefined } | null> {
  let text: string;
  try {
    text = (await dumpFail2banConfig(configDir)).text;
  } catch {
    return null; // not installed, or a configuration fail2ban itself rejects: the files may still be readable
  }
  const jails = parseFail2banDump(text);
  const campaignValue = jails.get(campaignJail)?.settings.get('bantime');
  const campaignBantime =
    typeof campaignValue === 'string' || typeof campaignValue === 'number'
      ? parseFail2banDuration(campaignValue)
      : undefined;
  const dumped = jails.get(jail);
  // Jail disabled or absent: fail2ban says nothing about it, the files still do.
  if (!dumped) return { figures: null, campaignBantime };
  const get = (key: string, fallback: number): number => {
    const value = dumped.settings.get(key);
    return typeof value === 'string' || typeof value === 'number' ? parseFail2banDuration(value) : fallback;
  };
  const maxretry = dumped.settings.get('maxretry');
  const ignoreself = dumped.settings.get('ignoreself');
  const figures: JailFigures = {
    maxretry: typeof maxretry === 'number' ? maxretry : DEBIAN_DEFAULT_THRESHOLDS.maxretry,
    findtime: get('findtime', DEBIAN_DEFAULT_THRESHOLDS.findtime),
    bantime: get('bantime', DEBIAN_DEFAULT_THRESHOLDS.bantime),
    ignoreip: withSelf(dumped.ignoreip, ignoreself !== false && ignoreself !== 'false'),
    origin: 'fail2ban-client',
  };
  return { figures, campaignBantime };
}

function fromFiles(
  jail: string,
  campaignJail: string,
  configDir: string,
): { figures: JailFigures; campaignBantime: number | undefined } | null {
  const sections = readJailSections(configDir);
  if (sections.size === 0) return null;
  // Only when the jail is there: jailOption falls back to [DEFAULT], whose bantime is not the campaign jail's.
  const campaignValue = sections.has(campaignJail) ? jailOption(sections, campaignJail, 'bantime') : undefined;
  const campaignBantime = campaignValue === undefined ? undefined : parseFail2banDuration(campaignValue);
  const option = (key: string): string | undefined => jailOption(sections, jail, key);
  const duration = (key: string, fallback: number): number => {
    const value = option(key);
    return value === undefined ? fallback : parseFail2banDuration(value);
  };
  const maxretry = option('maxretry');
  const ignoreself = option('ignoreself');
  const figures: JailFigures = {
    maxretry: maxretry === undefined ? DEBIAN_DEFAULT_THRESHOLDS.maxretry : Number.parseInt(maxretry, 10),
    findtime: duration('findtime', DEBIAN_DEFAULT_THRESHOLDS.findtime),
    bantime: duration('bantime', DEBIAN_DEFAULT_THRESHOLDS.bantime),
    ignoreip: withSelf(splitWords(option('ignoreip')), ignoreself === undefined || isTrue(ignoreself)),
    origin: 'jail-files',
  };
  return { figures, campaignBantime };
}

/**
 * fail2ban's view of one jail (maxretry, findtime, bantime, ignoreip), and the bantime of the f2b-campaign jail:
 * from `fail2ban-client -d` when fail2ban is installed, else from its jail files in fail2ban's order, else Debian's
 * defaults (5 in 10 minutes) and the bundled jail's day. Throws F2bCampaignError only when a value is there but
 * unreadable (a silent default would misjudge every source).
 */
export async function readFail2banThresholds(options: ReadThresholdsOptions = {}): Promise<Fail2banThresholds> {
  const jail = options.jail ?? 'sshd';
  const campaignJail = options.campaignJail ?? 'f2b-campaign';
  const configDir = options.configDir ?? '/etc/fail2ban';
  let campaignBantime: number | undefined;
  if (options.useClient ?? true) {
    const viaClient = await fromClient(jail, campaignJail, options.configDir);
    campaignBantime = viaClient?.campaignBantime;
    if (viaClient?.figures)
      return { ...viaClient.figures, campaignBantime: campaignBantime ?? BUNDLED_CAMPAIGN_BANTIME };
  }
  if (existsSync(configDir)) {
    const viaFiles = fromFiles(jail, campaignJail, configDir);
    campaignBantime ??= viaFiles?.campaignBantime;
    if (viaFiles) return { ...viaFiles.figures, campaignBantime: campaignBantime ?? BUNDLED_CAMPAIGN_BANTIME };
  }
  return { ...DEBIAN_DEFAULT_THRESHOLDS, campaignBantime: campaignBantime ?? BUNDLED_CAMPAIGN_BANTIME };
}
