/**
 * Usernames are attacker text: the detector never stores or prints them in its verdicts. It keeps a 32-bit hash
 * (to compare dictionaries across sources) and a 32-bit order key (the first four characters, to see a dictionary
 * walked in alphabetical order). Both are deterministic, so a replay and a snapshot resume agree.
 */
export function nameHash(name: string): number {
  return hashWithout(name, -1);
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

/** Longest name whose one-slip neighbours are computed (real account names are short; this bounds the work). */
const MAX_SLIP_NAME = 32;

/**
 * FNV-1a of `name` without its character at `skip` (-1: the whole name, which is nameHash), without making that
 * string: slip keys must hash exactly as names do.
 */
function hashWithout(name: string, skip: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    if (i === skip) continue;
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Hashes of the name and of each name one character shorter: two names one slip of the fingers apart (a letter
 * swapped with its neighbour, one missing, one extra, one wrong) share at least one of them (the symmetric-deletion
 * trick of spelling correctors). Empty for names too long to be a typed account name.
 */
export function slipKeys(name: string): number[] {
  if (name.length === 0 || name.length > MAX_SLIP_NAME) return [];
  const keys = [nameHash(name)];
  for (let i = 0; i < name.length; i++) keys.push(hashWithout(name, i));
  return keys;
}

/** Whether any of the name's slip keys is in `known`, computed one at a time (this runs for failed attempts). */
export function hasSlipKey(name: string, known: { readonly size: number; has(key: number): boolean }): boolean {
  if (known.size === 0 || name.length === 0 || name.length > MAX_SLIP_NAME) return false;
  for (let i = -1; i < name.length; i++) if (known.has(hashWithout(name, i))) return true;
  return false;
}
