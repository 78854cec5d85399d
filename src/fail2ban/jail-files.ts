import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse as parseIni } from 'ini';

/** Raw option text by section (lower-case keys), after all files are layered; `DEFAULT` holds the defaults. */
export type JailSections = ReadonlyMap<string, ReadonlyMap<string, string>>;

/**
 * The jail files in the order fail2ban reads them (later wins): jail.conf, jail.d/*.conf, jail.local,
 * jail.d/*.local, each sorted by name like fail2ban's glob.
 */
export function jailFileOrder(configDir: string): string[] {
  const dir = join(configDir, 'jail.d');
  const inDir = (suffix: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((name) => name.endsWith(suffix))
          .sort()
          .map((name) => join(dir, name))
      : [];
  return [join(configDir, 'jail.conf'), ...inDir('.conf'), join(configDir, 'jail.local'), ...inDir('.local')].filter(
    (file) => existsSync(file),
  );
}

/**
 * Python's configparser continues a value on lines that start with white space; the ini package does not know
 * that, so such lines are joined to the value above (as fail2ban sees them, one value split on white space).
 * Dots in section names are escaped, else the ini package would nest `[a.b]` under `[a]`.
 */
function prepare(text: string): string {
  const out: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = /^\s*\[[^\]]*\]\s*$/.test(rawLine) ? rawLine.replace(/\./g, '\\.') : rawLine;
    const previous = out.length > 0 ? out[out.length - 1]! : undefined;
    const isContinuation = /^[ \t]+\S/.test(line) && !/^\s*[#;]/.test(line);
    if (isContinuation && previous !== undefined && /^[^#;[\s][^=]*=/.test(previous)) {
      out[out.length - 1] = `${previous} ${line.trim()}`;
    } else {
      out.push(line);
    }
  }
  return out.join('\n');
}

/** fail2ban strips inline comments after ` ;` (configparser's inline_comment_prefixes), the ini package may not. */
function stripInlineComment(value: string): string {
  const at = value.search(/\s;/);
  return (at >= 0 ? value.slice(0, at) : value).trim();
}

function readOne(file: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  const parsed = parseIni(prepare(readFileSync(file, 'utf8'))) as Record<string, unknown>;
  for (const [name, body] of Object.entries(parsed)) {
    if (typeof body !== 'object' || body === null) continue; // a key before any section: configparser refuses it
    const options = new Map<string, string>();
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (typeof value === 'object' && value !== null) continue; // ini's nested sections for dotted names
      options.set(key.toLowerCase(), stripInlineComment(String(value)));
    }
    sections.set(name, options);
  }
  return sections;
}

/** A file's [INCLUDES] before/after names, relative to the config dir, read around it (fail2ban's includes). */
function withIncludes(file: string, configDir: string, depth = 0): string[] {
  if (depth > 5 || !existsSync(file)) return [];
  const includes = readOne(file).get('INCLUDES');
  const resolve = (names: string | undefined): string[] =>
    (names ?? '')
      .split(/\s+/)
      .filter((name) => name.length > 0)
      .flatMap((name) => withIncludes(isAbsolute(name) ? name : join(configDir, name), configDir, depth + 1));
  return [...resolve(includes?.get('before')), file, ...resolve(includes?.get('after'))];
}

/**
 * Layers the jail files of `configDir` the way fail2ban does. `%(known/opt)s` in a later file is replaced by the
 * value the option had before it, as fail2ban does; other `%(opt)s` references are resolved by `jailOption`.
 */
export function readJailSections(configDir: string): JailSections {
  const merged = new Map<string, Map<string, string>>();
  for (const file of jailFileOrder(configDir).flatMap((f) => withIncludes(f, configDir))) {
    for (const [name, options] of readOne(file)) {
      if (name === 'INCLUDES') continue;
      const target = merged.get(name) ?? new Map<string, string>();
      merged.set(name, target);
      for (const [key, value] of options) {
        const known = (_: string, ref: string): string =>
          target.get(ref.toLowerCase()) ?? merged.get('DEFAULT')?.get(ref.toLowerCase()) ?? '';
        target.set(key, value.replace(/%\(known\/([^)]+)\)s/g, known));
      }
    }
  }
  return merged;
}

/**
 * One option of one jail as fail2ban would see it: the jail's own value, else [DEFAULT]'s, with `%(opt)s`
 * interpolated from the same places (depth-limited, so a reference loop ends as the raw text). Undefined when unset.
 */
export function jailOption(sections: JailSections, jail: string, key: string, depth = 0): string | undefined {
  const raw = sections.get(jail)?.get(key) ?? sections.get('DEFAULT')?.get(key);
  if (raw === undefined || depth > 10) return raw;
  return raw
    .replace(/%\((default\/)?([^)]+)\)s/g, (whole, inDefault: string | undefined, ref: string) => {
      const name = ref.toLowerCase();
      if (!inDefault && name === key) return whole;
      return jailOption(sections, inDefault ? 'DEFAULT' : jail, name, depth + 1) ?? whole;
    })
    .replace(/%%/g, '%');
}

/** fail2ban's boolean words. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(?:true|yes|on|1)$/i.test(value.trim());
}
