import { join } from 'node:path';
import { type JailSections, jailOption, readConfigSections } from './jail-files.js';

/**
 * What fail2ban makes of a running jail's filter before it reads the jail's other options (jailreader.py): no filter,
 * one it cannot read (it then skips the jail, reading no more of it), or the names of the options it merges into the
 * jail as `known/<name>`, which `%(known/<name>)s` then reads ahead of the jail's earlier values.
 */
export type JailFilter =
  | { readonly kind: 'none' }
  | { readonly kind: 'unreadable'; readonly name: string }
  | { readonly kind: 'read'; readonly name: string; readonly options: ReadonlySet<string> };

/** What fail2ban's FilterReader reads of [Definition], falling back to the filter files' own [DEFAULT] (_configOpts). */
const FILTER_OPTIONS = ['usedns', 'prefregex', 'ignoreregex', 'failregex', 'maxlines', 'datepattern', 'journalmatch'];

/** fail2ban's OPTION_CRE and the option names of OPTION_EXTRACT_CRE: `sshd[mode=aggressive, x="a,b"]`. */
const NAME_AND_OPTIONS = /^([^[]+)(?:\[([\s\S]*)\])?\s*$/;
const OPTION = /\s*([\w.-]+)=(?:"[^"]*"|'[^']*'|[^,\]]*)(?:,|\]\s*\[|$)/g;

/**
 * The filter of `jail` as fail2ban reads it: the files filter.d/NAME.conf, NAME.d/*.conf, NAME.local, NAME.d/*.local
 * with their includes; what it merges is the options of their [Definition] and [Init] (not their [DEFAULT]'s, but
 * for the ones FilterReader reads), the options given in the jail's `filter = NAME[...]`, and `logtype`, which it
 * sets from the backend (filterreader.py, configreader.py's DefinitionInitConfigReader).
 */
export function jailFilter(configDir: string, sections: JailSections, jail: string): JailFilter {
  const written = jailOption(sections, jail, 'filter')?.trim() ?? '';
  if (written === '') return { kind: 'none' };
  const parts = NAME_AND_OPTIONS.exec(written);
  if (!parts) return { kind: 'unreadable', name: written };
  const name = parts[1]!.trim();
  const read = readConfigSections(join(configDir, 'filter.d', name));
  if (read.files.length === 0) return { kind: 'unreadable', name };
  const options = new Set(['logtype']);
  for (const section of ['Definition', 'Init']) {
    for (const key of read.sections.get(section)?.keys() ?? []) if (!key.startsWith('known/')) options.add(key);
  }
  for (const key of read.sections.get('DEFAULT')?.keys() ?? []) if (FILTER_OPTIONS.includes(key)) options.add(key);
  for (const option of (parts[2] ?? '').matchAll(OPTION)) options.add(option[1]!);
  return { kind: 'read', name, options };
}

/** Stands for the value of the filter's option `name`, which f2b-campaign does not read (no `%` in it). */
const fromFilter = (name: string): string => `\u0000${name}\u0000`;

/** The filter's option a value read in withFilterOptions' sections takes, or null if it takes none. */
export function filterOptionIn(value: string | undefined): string | null {
  return /\u0000([^\u0000]*)\u0000/.exec(value ?? '')?.[1] ?? null;
}

/**
 * The sections with `jail` given its filter's options as `known/<name>`, as fail2ban merges them before it reads the
 * jail's options: a `%(known/<name>)s` there resolves, to the filter's value (filterOptionIn tells it).
 */
export function withFilterOptions(sections: JailSections, jail: string, filter: JailFilter): JailSections {
  if (filter.kind !== 'read') return sections;
  const own = new Map(sections.get(jail));
  for (const option of filter.options) if (!own.has(`known/${option}`)) own.set(`known/${option}`, fromFilter(option));
  return new Map([...sections, [jail, own]]);
}
