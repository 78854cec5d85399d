import { resolve } from 'node:path';
import { dumpFail2banConfig, parseFail2banDump } from '../fail2ban/client-dump.js';
import { isTrue, jailOption, readJailSections } from '../fail2ban/jail-files.js';
import type { ServiceSettings } from './service-settings.js';

/** One line of `f2b-campaign check`. */
export interface CheckResult {
  readonly level: 'ok' | 'warning' | 'error';
  readonly what: string;
  readonly message: string;
}

/**
 * Whether fail2ban will act on our verdicts: the campaign jail is enabled and its logpath is the verdict log.
 * Asks `fail2ban-client -d` first (fail2ban's own reading of its config); its logpaths only list files that exist,
 * so the jail files' logpath is compared too.
 */
export async function inspectCampaignJail(settings: ServiceSettings): Promise<CheckResult[]> {
  const jail = settings.campaignJail;
  const what = 'fail2ban jail';
  let enabled: boolean | null = null;
  let logpaths: string[] = [];
  let via = 'jail files';
  try {
    // TODO: use the fail2ban helper's jail inspection once src/fail2ban exports one; until then accept both shapes
    // of dumpFail2banConfig's result (its text, or { text, errors }) while that API settles.
    const dump: unknown = await dumpFail2banConfig(settings.fail2banConfig);
    const text = typeof dump === 'string' ? dump : String((dump as { text?: unknown }).text ?? '');
    const dumped = parseFail2banDump(text).get(jail);
    enabled = dumped !== undefined;
    logpaths = [...(dumped?.logpaths ?? [])];
    via = 'fail2ban-client -d';
  } catch {
    // fail2ban-client missing or refusing the configuration: the files still say what is meant.
  }
  const sections = readJailSections(settings.fail2banConfig);
  if (enabled === null) {
    if (sections.size === 0) {
      return [
        {
          level: 'error',
          what,
          message: `no fail2ban configuration in ${settings.fail2banConfig} (is fail2ban installed?)`,
        },
      ];
    }
    enabled = sections.has(jail) && isTrue(jailOption(sections, jail, 'enabled'));
  }
  if (!enabled) {
    return [
      {
        level: 'error',
        what,
        message: `jail [${jail}] is not enabled in ${settings.fail2banConfig} (${via}): fail2ban will not ban campaign members; install jail.d/f2b-campaign.conf`,
      },
    ];
  }
  const configured = (jailOption(sections, jail, 'logpath') ?? '').split(/\s+/).filter((p) => p !== '');
  const watched = [...new Set([...logpaths, ...configured].map((p) => resolve(p)))];
  if (!watched.includes(resolve(settings.verdictLog))) {
    return [
      {
        level: 'error',
        what,
        message: `jail [${jail}] watches ${watched.join(' ') || 'nothing'}, but verdicts go to ${settings.verdictLog}`,
      },
    ];
  }
  return [{ level: 'ok', what, message: `[${jail}] is enabled and watches ${settings.verdictLog} (${via})` }];
}
