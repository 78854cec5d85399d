import { existsSync } from 'node:fs';
import { DEBIAN_DEFAULT_THRESHOLDS, type Fail2banThresholds } from '../core/fail2ban-thresholds.js';
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

async function fromClient(jail: string, configDir: string | undefined): Promise<Fail2banThresholds | null> {
  let text: string;
  try {
    text = (await dumpFail2banConfig(configDir)).text;
  } catch {
    return null; // not installed, or a configuration fail2ban itself rejects: the files may still be readable
  }
  const dumped = parseFail2banDump(text).get(jail);
  if (!dumped) return null; // jail disabled or absent: fail2ban says nothing about it, the files still do
  const get = (key: string, fallback: number): number => {
    const value = dumped.settings.get(key);
    return typeof value === 'string' || typeof value === 'number' ? parseFail2banDuration(value) : fallback;
  };
  const maxretry = dumped.settings.get('maxretry');
  const ignoreself = dumped.settings.get('ignoreself');
  return {
    maxretry: typeof maxretry === 'number' ? maxretry : DEBIAN_DEFAULT_THRESHOLDS.maxretry,
    findtime: get('findtime', DEBIAN_DEFAULT_THRESHOLDS.findtime),
    bantime: get('bantime', DEBIAN_DEFAULT_THRESHOLDS.bantime),
    ignoreip: withSelf(dumped.ignoreip, ignoreself !== false && ignoreself !== 'false'),
    origin: 'fail2ban-client',
  };
}

function fromFiles(jail: string, configDir: string): Fail2banThresholds | null {
  const sections = readJailSections(configDir);
  if (sections.size === 0) return null;
  const option = (key: string): string | undefined => jailOption(sections, jail, key);
  const duration = (key: string, fallback: number): number => {
    const value = option(key);
    return value === undefined ? fallback : parseFail2banDuration(value);
  };
  const maxretry = option('maxretry');
  const ignoreself = option('ignoreself');
  return {
    maxretry: maxretry === undefined ? DEBIAN_DEFAULT_THRESHOLDS.maxretry : Number.parseInt(maxretry, 10),
    findtime: duration('findtime', DEBIAN_DEFAULT_THRESHOLDS.findtime),
    bantime: duration('bantime', DEBIAN_DEFAULT_THRESHOLDS.bantime),
    ignoreip: withSelf(splitWords(option('ignoreip')), ignoreself === undefined || isTrue(ignoreself)),
    origin: 'jail-files',
  };
}

/**
 * fail2ban's view of one jail (maxretry, findtime, bantime, ignoreip): from `fail2ban-client -d` when fail2ban is
 * installed, else from its jail files in fail2ban's order, else Debian's defaults (5 in 10 minutes). Throws
 * F2bCampaignError only when a value is there but unreadable (a silent default would misjudge every source).
 */
export async function readFail2banThresholds(options: ReadThresholdsOptions = {}): Promise<Fail2banThresholds> {
  const jail = options.jail ?? 'sshd';
  const configDir = options.configDir ?? '/etc/fail2ban';
  if (options.useClient ?? true) {
    const viaClient = await fromClient(jail, options.configDir);
    if (viaClient) return viaClient;
  }
  if (existsSync(configDir)) {
    const viaFiles = fromFiles(jail, configDir);
    if (viaFiles) return viaFiles;
  }
  return DEBIAN_DEFAULT_THRESHOLDS;
}
