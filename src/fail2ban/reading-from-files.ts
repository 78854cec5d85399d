import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { refusalOf } from './configuration-refusal.js';
import { interpolate, type UnresolvedReference } from './interpolate.js';
import {
  isTrue,
  type JailFiles,
  type JailSections,
  jailNames,
  jailOption,
  readJailSections,
  writtenOption,
} from './jail-files.js';
import { filterOptionIn, jailFilter, withFilterOptions } from './jail-filter.js';
import type { JailText, Reading } from './jail-reading.js';

function splitWords(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((word) => word.length > 0);
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
    `${writtenOption(sections, jail, key)} ${where}: fail2ban cannot interpolate ${first.reference} ` +
      `(${first.reason}) but starts all the same, as it reads no more of a jail it does not run than enabled, ` +
      `backend and filter; f2b-campaign uses ${instead.source} instead; correct it`,
  );
  return instead.value;
}

/**
 * The two jails as f2b-campaign reads the jail files, the way fail2ban's configparser does (jail-files.ts): when
 * fail2ban-client cannot answer, or leaves a disabled jail out.
 */
export function fromFiles(
  files: JailFiles,
  configDir: string,
  jail: string,
  campaignJail: string,
  warn: (message: string) => void,
): Reading {
  const { sections } = files;
  const running = jailNames(sections).filter((name) => isTrue(jailOption(sections, name, 'enabled')));
  // Only a jail that is there: jailOption falls back to [DEFAULT] for everything.
  const read = (name: string, unset: Readonly<Record<string, string>>): JailText | null => {
    if (!sections.has(name)) return null;
    // fail2ban merges the filter of a jail it runs before it reads the jail's options (configuration-refusal.ts).
    const filter = running.includes(name) ? jailFilter(configDir, sections, name) : null;
    const seen = filter ? withFilterOptions(sections, name, filter) : sections;
    let refusal: string | null = null;
    const option = (key: string): string | undefined => {
      const unresolved: UnresolvedReference[] = [];
      const value = jailOption(seen, name, key, (reference) => unresolved.push(reference));
      const first = unresolved[0];
      const taken = filterOptionIn(value);
      if (taken !== null && filter?.kind === 'read') {
        refusal ??= fromTheFilter(sections, name, key, taken, filter.name);
        return undefined;
      }
      if (first === undefined) return value;
      if (filter === null) return readPastReference(sections, name, key, first, unset, warn);
      refusal ??=
        filter.kind === 'unreadable' && first.reference.toLowerCase().startsWith('%(known/')
          ? unreadableFilter(sections, name, key, first, filter.name)
          : refusalOf(sections, name, key, first, filter.kind === 'read' ? filter.name : undefined);
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
export function readFiles(configDir: string, fail2banVersion: string | null): JailFiles {
  return existsSync(configDir)
    ? readJailSections(configDir, fail2banVersion)
    : { sections: new Map(), unreadable: [], files: [] };
}

/**
 * A `%(known/opt)s` in a jail fail2ban runs that fail2ban takes from the jail's filter (its options come before the
 * jail's earlier values): f2b-campaign does not read the filter's values, and refuses rather than guess.
 */
function fromTheFilter(sections: JailSections, jail: string, key: string, option: string, filter: string): string {
  return (
    `${writtenOption(sections, jail, key)} in [${jail}]: fail2ban takes %(known/${option})s from the jail's filter ` +
    `${filter}, whose values f2b-campaign does not read; set ${key} in [${jail}] without it`
  );
}

/**
 * A `%(known/opt)s` the jail files give no value for, in a jail fail2ban runs whose filter it cannot read: fail2ban
 * then skips the jail, and f2b-campaign cannot tell what the filter would have given.
 */
function unreadableFilter(
  sections: JailSections,
  jail: string,
  key: string,
  { reference }: UnresolvedReference,
  filter: string,
): string {
  return (
    `${writtenOption(sections, jail, key)} in [${jail}]: the jail files give no earlier value for ${reference}, and ` +
    `fail2ban cannot read the jail's filter ${filter} to look there (it skips the jail); set ${key} in [${jail}] ` +
    'without it, and make the filter readable'
  );
}
