/**
 * Usernames are attacker text: the detector never stores or prints them in its verdicts. It keeps a 32-bit hash
 * (to compare dictionaries across sources) and a 32-bit order key (the first four characters, to see a dictionary
 * walked in alphabetical order). Both are deterministic, so a replay and a snapshot resume agree.
 */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Orders like the name's first four characters, case-folded: "admin" < "backup" < "oracle". */
export function nameOrderKey(name: string): number {
  let key = 0;
  const lower = name.toLowerCase();
  for (let i = 0; i < 4; i++) {
    const code = i < lower.length ? Math.min(lower.charCodeAt(i), 255) : 0;
    key = key * 256 + code;
  }
  return key;
}
