import type { JailSections } from './jail-files.js';

/** A `%(...)s` reference fail2ban cannot resolve: its configparser then refuses the whole configuration. */
export interface UnresolvedReference {
  /** The reference as written, `%(nosuch/maxretry)s`. */
  readonly reference: string;
  /** Why, in fail2ban's terms. */
  readonly reason: string;
}

/** configparser's MAX_INTERPOLATION_DEPTH: a value nested deeper than this still holding a `%` is an error. */
const MAX_DEPTH = 10;

/** SECTION_OPTSUBST_CRE's `section/option` (Python's `\w` is Unicode's). */
const SECTION_OPTION = /^([\p{L}\p{N}_-]+)\/(.+)$/u;

type Found = { readonly value: string } | { readonly missing: string };

/** The raw text a reference stands for, read in `jail`, as fail2ban's configparserinc finds it. */
function lookUp(sections: JailSections, jail: string, written: string): Found {
  const defaults = sections.get('DEFAULT');
  // configparser lower-cases the name it looks up; an option may well be named `a/b`, and then it wins.
  const name = written.toLowerCase();
  const plain = sections.get(jail)?.get(name) ?? defaults?.get(name);
  if (plain !== undefined) return { value: plain };
  if (name === '__name__') return { value: jail };
  const scoped = SECTION_OPTION.exec(written);
  if (!scoped) return { missing: `no option ${name} in [${jail}] or [DEFAULT]` };
  // _map_section_options stores the value under the reference as written, the lookup is lower-cased: with a
  // capital anywhere (`%(Site/x)s`, `%(DEFAULT/x)s`) they never meet.
  if (written !== name) return { missing: 'fail2ban finds a section/option reference only when written in lower case' };
  const section = scoped[1]!;
  const option = scoped[2]!;
  const fallback = defaults?.get(option);
  let value: string | undefined;
  if (section === 'default') value = fallback;
  else if (section === 'known') value = sections.get(`KNOWN/${jail}`)?.get(option) ?? fallback;
  else if (!sections.has(section))
    return { missing: `there is no [${section}] section` }; // no [DEFAULT] fallback
  else value = sections.get(section)?.get(option) ?? fallback;
  if (value !== undefined) return { value };
  if (section === 'known') return { missing: `no earlier ${option} in [${jail}], none in [DEFAULT]` };
  return { missing: `no option ${option} in [${section}] or [DEFAULT]` };
}

/**
 * `%(opt)s`, `%(section/opt)s` and `%%` in `raw`, read in `jail` as fail2ban's configparserinc reads them: `opt` is
 * the jail's, else [DEFAULT]'s; `default/opt` is [DEFAULT]'s; `known/opt` is the value `opt` had in this jail before
 * the file that last set it, else the final [DEFAULT]'s; `section/opt` is that section's own raw value, else
 * [DEFAULT]'s, and nothing when there is no such section (its name as written, so in lower case). A substituted
 * value's own references are read in `jail` again, not in the section it came from. What fail2ban could not
 * resolve (it then starts nothing) stays as written and is told to `onUnresolved`.
 */
export function interpolate(
  sections: JailSections,
  jail: string,
  raw: string,
  onUnresolved: (unresolved: UnresolvedReference) => void = () => {},
  depth = 0,
): string {
  if (depth >= MAX_DEPTH) {
    if (raw.includes('%'))
      onUnresolved({ reference: raw, reason: `still unresolved after ${MAX_DEPTH} steps (a loop)` });
    return raw;
  }
  return raw.replace(/%(%|\(([^)]+)\)s)?/g, (whole, form: string | undefined, written: string | undefined) => {
    if (form === '%') return '%';
    if (written === undefined) {
      onUnresolved({ reference: '%', reason: "'%' must be followed by '%' or '(': write %% for a percent sign" });
      return whole;
    }
    const found = lookUp(sections, jail, written);
    if ('missing' in found) {
      onUnresolved({ reference: whole, reason: found.missing });
      return whole;
    }
    return interpolate(sections, jail, found.value, onUnresolved, depth + 1);
  });
}
