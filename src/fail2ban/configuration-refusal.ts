import type { UnresolvedReference } from './interpolate.js';
import { isTrue, type JailSections, jailNames, jailOption, writtenOption } from './jail-files.js';

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
): string {
  return (
    `${writtenOption(sections, jail, key)} in [${jail}]: fail2ban cannot interpolate ${reference} either ` +
    `(${reason}), so fail2ban-client refuses the whole configuration and fail2ban starts no jail; correct it`
  );
}

/**
 * Why fail2ban-client would refuse the whole configuration over a `%(...)s` reference it cannot resolve, or null.
 * Its jails reader reads enabled, backend and filter of every section, and every other option above of the jails it
 * runs; the first reference it cannot resolve stops it, whichever jail it is in. What it does not read (the
 * maxretry of a disabled jail, a section no jail refers to) stops nothing. A `%(known/opt)s` the jail files leave
 * unresolved is not counted: fail2ban also finds it among the options of the jail's filter, which are not read here.
 */
export function configurationRefusal(sections: JailSections): string | null {
  for (const jail of jailNames(sections)) {
    const refusals: string[] = [];
    const read = (key: string): string | undefined =>
      jailOption(sections, jail, key, (unresolved) => {
        if (!unresolved.reference.toLowerCase().startsWith('%(known/'))
          refusals.push(refusalOf(sections, jail, key, unresolved));
      });
    const runs = isTrue(read('enabled'));
    for (const key of runs ? READ_OF_A_RUNNING_JAIL : READ_OF_EVERY_SECTION) read(key);
    if (refusals.length > 0) return refusals[0]!;
  }
  return null;
}
