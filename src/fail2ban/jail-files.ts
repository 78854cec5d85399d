import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { interpolate, type UnresolvedReference } from './interpolate.js';

/**
 * Raw option text by section (lower-case keys), after all files are layered; `DEFAULT` holds the defaults, and
 * `KNOWN/<section>` what a later file overrode (fail2ban's names): neither is a jail.
 */
export type JailSections = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** A jail file that is there but cannot be read (permissions, a directory named `*.local`), and why. */
interface UnreadableJailFile {
  readonly file: string;
  /** The error code (`EACCES`, `EISDIR`), or its message. */
  readonly reason: string;
}

/** What the jail files say, and which of them could not be read (skipped, as fail2ban skips them). */
export interface JailFiles {
  readonly sections: JailSections;
  readonly unreadable: readonly UnreadableJailFile[];
  /** The files read, includes among them, in the order they were layered. */
  readonly files: readonly string[];
}

function reasonOf(error: unknown): string {
  return (error as { code?: string }).code ?? (error as Error).message;
}

/**
 * The files of one of fail2ban's configurations in the order it reads them (later wins), `base` being its path
 * without extension (`/etc/fail2ban/jail`, `/etc/fail2ban/filter.d/sshd`): base.conf, base.d/*.conf, base.local,
 * base.d/*.local, each sorted by name like fail2ban's glob (configreader.py's read). A base.d that cannot be listed
 * is reported to `unreadable` (fail2ban's glob silently finds nothing there).
 */
function configFileOrder(base: string, unreadable: UnreadableJailFile[]): string[] {
  const dir = `${base}.d`;
  let names: string[] = [];
  try {
    if (existsSync(dir)) names = readdirSync(dir).sort();
  } catch (error) {
    unreadable.push({ file: dir, reason: reasonOf(error) });
  }
  const inDir = (suffix: string): string[] =>
    names
      .filter((name) => name.endsWith(suffix) && !name.startsWith('.')) // glob's * skips dot files
      .map((name) => join(dir, name));
  return [`${base}.conf`, ...inDir('.conf'), `${base}.local`, ...inDir('.local')].filter((file) => existsSync(file));
}

/**
 * One file read the way fail2ban's configparser reads it (inline_comment_prefixes ";", empty_lines_in_values): a
 * line starting with `#` or `;` is a comment, `;` after white space starts an inline comment, an option is
 * `key = value` or `key: value`, and a line indented deeper than its option's continues the value, also after
 * blank and comment lines in between. Section names keep their case, option names are lower-cased; a value's lines
 * are joined with newlines. Lines configparser would refuse are skipped (fail2ban itself reports those).
 */
function parseFail2banIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  let option: string | null = null;
  let indent = Number.POSITIVE_INFINITY;
  for (const line of text.split(/\r?\n/)) {
    let commentAt = -1;
    for (let at = line.indexOf(';'); at >= 0; at = line.indexOf(';', at + 1)) {
      if (at === 0 || /\s/.test(line[at - 1]!)) {
        commentAt = at;
        break;
      }
    }
    if (/^\s*[#;]/.test(line)) commentAt = 0;
    const value = (commentAt >= 0 ? line.slice(0, commentAt) : line).trim();
    if (value === '') {
      // A blank line inside a value stays in it; a comment line is simply skipped: neither ends the value.
      if (commentAt < 0 && current && option !== null) current.get(option)?.push('');
      continue;
    }
    const lineIndent = line.length - line.trimStart().length;
    if (current && option !== null && lineIndent > indent) {
      current.get(option)?.push(value);
      continue;
    }
    indent = lineIndent;
    const header = /^\[(.+)\]/.exec(value);
    if (header) {
      const name = header[1]!;
      current = sections.get(name) ?? new Map<string, string[]>();
      sections.set(name, current);
      option = null;
      continue;
    }
    const assignment = /^(.*?)\s*[=:]\s*(.*)$/.exec(value);
    if (!current || !assignment || assignment[1] === '') {
      option = null; // no section yet, or not an option: configparser refuses the file
      continue;
    }
    option = assignment[1]!.trimEnd().toLowerCase();
    current.set(option, [assignment[2]!.trim()]);
  }
  return new Map(
    [...sections].map(([name, options]) => [
      name,
      new Map([...options].map(([key, lines]) => [key, lines.join('\n').trimEnd()])),
    ]),
  );
}

type ParsedFile = readonly [file: string, sections: Map<string, Map<string, string>>];

function readOne(file: string, unreadable: UnreadableJailFile[]): ParsedFile | null {
  try {
    return [file, parseFail2banIni(readFileSync(file, 'utf8'))];
  } catch (error) {
    // fail2ban's configparser skips a file it cannot open and reads the rest ("Could not read config files").
    unreadable.push({ file, reason: reasonOf(error) });
    return null;
  }
}

/**
 * A file with its [INCLUDES] before/after files around it, each include with its `.local` after it, relative to
 * the including file's directory (fail2ban's configparserinc); a file that cannot be read brings no includes.
 */
function withIncludes(file: string, unreadable: UnreadableJailFile[], depth = 0): ParsedFile[] {
  if (depth > 5 || !existsSync(file)) return [];
  const parsed = readOne(file, unreadable);
  if (parsed === null) return [];
  const includes = parsed[1].get('INCLUDES');
  const resolve = (names: string | undefined): ParsedFile[] =>
    (names ?? '')
      .split(/\n/)
      .map((name) => name.trim())
      .filter((name) => name.length > 0)
      .map((name) => (isAbsolute(name) ? name : join(dirname(file), name)))
      .flatMap((name) => {
        const local = `${name.replace(/\.[^./]*$/, '')}.local`;
        return local === name ? [name] : [name, local];
      })
      .flatMap((name) => withIncludes(name, unreadable, depth + 1));
  return [...resolve(includes?.get('before')), parsed, ...resolve(includes?.get('after'))];
}

/**
 * Layers the files of one of fail2ban's configurations (`base`, as configFileOrder) the way fail2ban does. As
 * fail2ban's configparserinc, an option a later file sets again keeps its earlier raw value in a section
 * `KNOWN/<section>`, which `%(known/opt)s` reads (see `interpolate`). A file that cannot be read is skipped and
 * reported, the others are read, as fail2ban does.
 */
export function readConfigSections(base: string): {
  sections: Map<string, Map<string, string>>;
  unreadable: UnreadableJailFile[];
  files: string[];
} {
  const unreadable: UnreadableJailFile[] = [];
  const merged = new Map<string, Map<string, string>>();
  const files: string[] = [];
  for (const [file, sections] of configFileOrder(base, unreadable).flatMap((f) => withIncludes(f, unreadable))) {
    files.push(file);
    for (const [name, options] of sections) {
      if (name === 'INCLUDES') continue;
      const target = merged.get(name) ?? new Map<string, string>();
      merged.set(name, target);
      // fail2ban keeps no KNOWN/DEFAULT: its defaults are not a section.
      const known = name === 'DEFAULT' ? null : (merged.get(`KNOWN/${name}`) ?? new Map<string, string>());
      for (const [key, value] of options) {
        const before = target.get(key);
        if (known && before !== undefined) known.set(key, before);
        target.set(key, value);
      }
      if (known && known.size > 0) merged.set(`KNOWN/${name}`, known);
    }
  }
  const once = [...new Map(unreadable.map((entry) => [entry.file, entry])).values()]; // an include read twice
  return { sections: merged, unreadable: once, files };
}

/**
 * The jail files of `configDir` layered the way fail2ban does (readConfigSections).
 * `fail2banVersion` is what `%(fail2ban_version)s` reads (the installed fail2ban's; see `installedFail2banVersion`).
 */
export function readJailSections(configDir: string, fail2banVersion: string | null = null): JailFiles {
  const read = readConfigSections(join(configDir, 'jail'));
  const merged = read.sections;
  // fail2ban adds its configuration directory and its version to the defaults before it interpolates, over any
  // value the files give (jailreader.py, merge_defaults): jail.conf's own apache-fakegooglebot jail refers to the
  // first in its ignorecommand. Only to a configuration there is: no file read is no configuration (Debian's
  // defaults apply).
  if (merged.size > 0) {
    const defaults = merged.get('DEFAULT') ?? new Map<string, string>();
    defaults.set('fail2ban_confpath', configDir);
    // fail2ban always resolves its version, so a reference to it is never one it refuses: with no version to give,
    // `%%` keeps the reference as written rather than have it reported as unresolved.
    defaults.set('fail2ban_version', fail2banVersion ?? '%%(fail2ban_version)s');
    merged.set('DEFAULT', defaults);
  }
  return read;
}

/** `key = value` of a jail as written (its own, else [DEFAULT]'s; continuation lines joined), for messages. */
export function writtenOption(sections: JailSections, jail: string, key: string): string {
  const raw = sections.get(jail)?.get(key) ?? sections.get('DEFAULT')?.get(key) ?? '';
  return `${key} = ${raw.replace(/\s*\n\s*/g, ' ')}`;
}

/**
 * One option of one jail as fail2ban would see it: the jail's own value, else [DEFAULT]'s, its references
 * interpolated as fail2ban does (see `interpolate`); a reference fail2ban could not resolve stays as written and is
 * told to `onUnresolved`. Undefined when unset.
 */
export function jailOption(
  sections: JailSections,
  jail: string,
  key: string,
  onUnresolved?: (unresolved: UnresolvedReference) => void,
): string | undefined {
  const raw = sections.get(jail)?.get(key) ?? sections.get('DEFAULT')?.get(key);
  return raw === undefined ? undefined : interpolate(sections, jail, raw, onUnresolved);
}

/** The sections fail2ban reads as jails, in the order it reads them: all but the defaults and fail2ban's own. */
export function jailNames(sections: JailSections): string[] {
  return [...sections.keys()].filter((name) => name !== 'DEFAULT' && name !== 'INCLUDES' && !name.startsWith('KNOWN/'));
}

/** fail2ban's boolean words. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(?:true|yes|on|1)$/i.test(value.trim());
}
