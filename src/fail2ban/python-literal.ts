/** A value of fail2ban-client's `-d` dump: Python's repr of str, int, float, bool, None and lists. */
export type PyValue = string | number | boolean | null | PyValue[];

/**
 * Parses one line of `fail2ban-client -d` (Python's repr of a list). Returns null for anything else (its log
 * lines on stderr sometimes reach us). Only what repr() produces is accepted: no expressions, no dicts.
 */
export function parsePythonLiteral(text: string): PyValue | null {
  let i = 0;
  const skip = (): void => {
    while (text[i] === ' ') i++;
  };
  const value = (): PyValue => {
    skip();
    const c = text[i];
    if (c === '[') {
      i++;
      const items: PyValue[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return items;
      }
      for (;;) {
        items.push(value());
        skip();
        if (text[i] === ',') {
          i++;
          skip();
          if (text[i] === ']') {
            i++;
            return items;
          }
          continue;
        }
        if (text[i] === ']') {
          i++;
          return items;
        }
        throw new Error('expected , or ]');
      }
    }
    if (c === "'" || c === '"') return string(c);
    const word = /^(True|False|None|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)/.exec(text.slice(i));
    if (!word) throw new Error(`unexpected ${JSON.stringify(text.slice(i, i + 10))}`);
    i += word[1]!.length;
    if (word[1] === 'True') return true;
    if (word[1] === 'False') return false;
    if (word[1] === 'None') return null;
    return Number(word[1]);
  };
  const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
  const string = (quote: string): string => {
    i++;
    let out = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error('unterminated string');
      i++;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const n = text[i] ?? '';
      if (n === 'x' || n === 'u' || n === 'U') {
        const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
        out += String.fromCodePoint(Number.parseInt(text.slice(i + 1, i + 1 + len), 16));
        i += 1 + len;
      } else {
        out += ESCAPES[n] ?? `\\${n}`;
        i++;
      }
    }
  };
  try {
    const result = value();
    skip();
    return i === text.length ? result : null;
  } catch {
    return null;
  }
}
