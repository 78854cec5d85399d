import type { UnresolvedReference } from './interpolate.js';
import { isTrue, type JailSections, jailNames, jailOption, writtenOption } from './jail-files.js';
import { jailFilter, withFilterOptions } from './jail-filter.js';

/** What fail2ban reads of every section to know whether it is a jail to run (jailreader.py's `_configOpts1st`). */
const READ_OF_EVERY_SECTION = ['enabled', 'backend', 'filter'];

/** What fail2ban reads from the jail files of a jail it runs (jailreader.py's and filterreader.py's `_configOpts`). */
const READ_OF_A_RUNNING_JAIL = [
  ...READ_OF_EVERY_SECTION,
  'maxretry',
  'maxmatches',
  'findtime',
  'bantime',
  'bantime.increment',
  'bantime.factor',
  'bantime.formula',
  'bantime.multipliers',
  'bantime.maxtime',
  'bantime.rndtime',
  'bantime.overalljails',
  'ignorecommand',
  'ignoreself',
  'ignoreip',
  'ignorecache',
  'logtimezone',
  'logencoding',
  'logpath',
  'action',
  'usedns',
  'prefregex',
  'ignoreregex',
  'failregex',
  'maxlines',
  'datepattern',
  'journalmatch',
];

/** Why fail2ban starts nothing over `key` of `jail`: a reference in it that fail2ban's configparser cannot read. */
export function refusalOf(
  sections: JailSections,
  jail: string,
  key: string,
  { reference, reason }: UnresolvedReference,
  filter?: string,
): string {
  // A known/ reference of a jail fail2ban runs is looked for among its filter's options too.
  const where = filter !== undefined && /^%\(known\//i.test(reference) ? `, nor in its filter ${filter}` : '';
  return (
    `${writtenOption(sections, jail, key)} in [${jail}]: fail2ban cannot interpolate ${reference} either ` +
    `(${reason}${where}), so fail2ban-client refuses the whole configuration and fail2ban starts no jail; correct it`
  );
}

/**
 * Why fail2ban-client would refuse the whole configuration over a `%(...)s` reference it cannot resolve, or null.
 * Its jails reader reads enabled, backend and filter of every section; of a jail it runs, it then reads the filter,
 * merges the filter's options into the jail as `known/<name>`, and reads every other option above. The first
 * reference it cannot resolve stops it, whichever jail it is in. What it does not read (the maxretry of a disabled
 * jail, a section no jail refers to, the options of a jail whose filter it cannot read, which it skips) stops
 * nothing. A `%(known/opt)s` counts as the others do: until 2026-11-25 it was never counted, as the filter was not
 * read, and a jail f2b-campaign does not read (another jail's bantime = %(known/nosuch)s) passed where fail2ban
 * refuses the whole configuration.
 */
export function configurationRefusal(sections: JailSections, configDir: string): string | null {
  for (const jail of jailNames(sections)) {
    const refusals: string[] = [];
    const readIn = (seen: JailSections, key: string, filter?: string): string | undefined =>
      jailOption(seen, jail, key, (unresolved) => refusals.push(refusalOf(sections, jail, key, unresolved, filter)));
    const runs = isTrue(readIn(sections, 'enabled'));
    for (const key of READ_OF_EVERY_SECTION) readIn(sections, key);
    if (refusals.length > 0) return refusals[0]!;
    if (!runs) continue;
    const filter = jailFilter(configDir, sections, jail);
    if (filter.kind === 'unreadable') continue; // "Unable to read the filter": fail2ban skips the jail, and starts
    const seen = withFilterOptions(sections, jail, filter);
    for (const key of READ_OF_A_RUNNING_JAIL) readIn(seen, key, filter.kind === 'read' ? filter.name : undefined);
    if (refusals.length > 0) return refusals[0]!;
  }
  return null;
}
