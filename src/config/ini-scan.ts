/**
 * Checks ini text for what the `ini` package accepts silently but a config file must not: a section or a key
 * written twice (`ini` merges them, so the last value wins and an earlier `ignoreip` is lost).
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
  });
  return errors;
}
