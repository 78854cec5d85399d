/** Whether a logpath word is a glob pattern (fail2ban passes every word to Python's glob.glob). */
export function isGlob(word: string): boolean {
  return /[*?[]/.test(word);
}

/** One path component's pattern as Python's fnmatch reads it: `*`, `?`, `[seq]`, `[!seq]`; a lone `[` is itself. */
function componentRegExp(pattern: string): RegExp {
  let source = '';
  for (let at = 0; at < pattern.length; at++) {
    const char = pattern[at]!;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      // As fnmatch: a `]` first in the set (after any `!`) is one of its characters.
      let from = at + 1;
      if (pattern[from] === '!') from++;
      if (pattern[from] === ']') from++;
      const close = pattern.indexOf(']', from);
      if (close < 0) {
        source += '\\[';
        continue;
      }
      let set = pattern.slice(at + 1, close);
      const negated = set.startsWith('!');
      if (negated) set = set.slice(1);
      source += `[${negated ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      at = close;
    } else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/**
 * Whether Python's glob.glob(pattern), which fail2ban runs on each logpath, would list `path` (an absolute path that
 * exists): the wildcards match within one path component, and one at the start of a component skips names that
 * begin with a dot, as glob does.
 */
export function globMatches(pattern: string, path: string): boolean {
  const patterns = pattern.split('/');
  const parts = path.split('/');
  if (patterns.length !== parts.length) return false;
  return patterns.every((component, i) => {
    const part = parts[i]!;
    if (part.startsWith('.') && !component.startsWith('.')) return false;
    return componentRegExp(component).test(part);
  });
}
