/**
 * Checks ini text for what the `ini` package accepts silently but a config file must not: a section or a key
 * written twice (`ini` merges them, so the last value wins and an earlier `ignoreip` is lost), and a `#` or `;`
 * inside a word of a value (`ini` takes it as the start of a comment, so `/x/logs#1/v.log` becomes `/x/logs`).
 * It reads lines the way `ini` does (comment lines, `[section]`, `key = value`) and returns one message per problem,
 * each naming the line; `key[] =` arrays are left to the loader, which refuses them.
 */
export function scanIniText(text: string, origin: string): string[] {
  const errors: string[] = [];
  const sectionLines = new Map<string, number>();
  let keyLines = new Map<string, number>();
  let section = '';
  text.split(/\r?\n|\r/).forEach((line, index) => {
    const lineNo = index + 1;
    if (/^\s*([;#].*)?$/.test(line)) return;
    const header = /^\[([^\]]*)\]\s*$/.exec(line);
    if (header) {
      section = (header[1] ?? '').trim();
      const first = sectionLines.get(section);
      if (first !== undefined) {
        errors.push(
          `${origin}:${lineNo}: section [${section}] is written twice (first at line ${first}): give each section once`,
        );
      } else sectionLines.set(section, lineNo);
      keyLines = new Map();
      return;
    }
    const eq = line.indexOf('=');
    const key = (eq === -1 ? line : line.slice(0, eq)).trim();
    if (key.endsWith('[]')) return;
    const first = keyLines.get(key);
    if (first !== undefined) {
      errors.push(
        `${origin}:${lineNo}: [${section}] ${key} is written twice (first at line ${first}): give it once, with every item on one line`,
      );
    } else keyLines.set(key, lineNo);
    if (eq !== -1) {
      const cut = cutInsideWord(line.slice(eq + 1));
      if (cut) {
        errors.push(
          `${origin}:${lineNo}: [${section}] ${key}: the ${JSON.stringify(cut.mark)} inside ${JSON.stringify(cut.value)} would start a comment and cut the value; put the value in double quotes, or write \\${cut.mark}`,
        );
      }
    }
  });
  return errors;
}

/**
 * `ini` ends an unquoted value at the first `#` or `;` not escaped by `\`. Preceded by a space (or first), that is an
 * inline comment as meant; right after other text it cuts a word, which is never what was meant.
 */
function cutInsideWord(rawValue: string): { mark: string; value: string } | null {
  const value = rawValue.trim();
  if (value.length > 1 && /^(".*"|'.*')$/.test(value)) return null;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') i++;
    else if (c === '#' || c === ';') return i > 0 && !/\s/.test(value[i - 1]!) ? { mark: c, value } : null;
  }
  return null;
}
