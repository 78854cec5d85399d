import { isIP } from 'node:net';
import { F2bCampaignError } from '../core/errors.js';
import { formatDuration, parseDuration } from './duration.js';

/**
 * One documented configuration key. Sections are lists of these; the loader, `check`, the shipped conffile and
 * docs/configuration.md are all made from them, so a key cannot exist undocumented.
 */
/**
 * `ports`: a list of TCP ports (1-65535); `cidrs`: a list of IPv4/IPv6 addresses and CIDR blocks. Both are kept as
 * their text like any list, checked item by item so a typo is an error rather than a protection silently lost.
 */
type KeyType = 'string' | 'path' | 'int' | 'number' | 'duration' | 'bool' | 'list' | 'ports' | 'cidrs' | 'enum';

export interface KeySpec<T = unknown> {
  readonly key: string;
  readonly type: KeyType;
  readonly default: T;
  readonly doc: string;
  /** For `enum`: the allowed words. */
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** A bound the value must be greater than, not equal to (a variance floor of 0 divides by zero). */
  readonly above?: number;
  /**
   * Another key of the same section this one may not be below, where the code takes the two as a range (a longest
   * interval under the shortest would let nothing through, without a word).
   */
  readonly notBelow?: string;
}

export interface SectionSpec {
  readonly name: string;
  readonly doc: string;
  readonly keys: readonly KeySpec[];
}

function bad(section: string, spec: KeySpec, value: string, expected: string): F2bCampaignError {
  return new F2bCampaignError(
    'BAD_CONFIG_VALUE',
    `[${section}] ${spec.key} = ${JSON.stringify(value)}: expected ${expected}`,
  );
}

/** `key =` is accepted only where it means the default, as for ignoreip: the text of every other key has content. */
function emptyByDefault(spec: KeySpec): boolean {
  return spec.default === '' || (Array.isArray(spec.default) && spec.default.length === 0);
}

function shownDefault(spec: KeySpec): string {
  return Array.isArray(spec.default) ? spec.default.join(' ') : String(spec.default);
}

/**
 * A key's bounds as the admin writes its value: a duration's in its units (found by a mutation audit: `between 100
 * and inf` for a sample_interval, which reads as 100 seconds where a bare number is seconds and the bound is 100ms).
 */
function bounds(spec: KeySpec): string {
  const shown = (n: number): string => (spec.type === 'duration' ? formatDuration(n) : String(n));
  if (spec.above !== undefined) {
    return `greater than ${shown(spec.above)}${spec.max === undefined ? '' : ` and at most ${shown(spec.max)}`}`;
  }
  if (spec.min !== undefined && spec.max !== undefined) return `between ${shown(spec.min)} and ${shown(spec.max)}`;
  return spec.min !== undefined ? `of at least ${shown(spec.min)}` : `of at most ${shown(spec.max!)}`;
}

/** Converts the text of one key into its typed value, or throws naming the key, the value and what was expected. */
export function parseKeyValue(section: string, spec: KeySpec, raw: string): unknown {
  const value = raw.trim();
  const inRange = (n: number, what: string): number => {
    const low = (spec.min !== undefined && n < spec.min) || (spec.above !== undefined && n <= spec.above);
    if (low || (spec.max !== undefined && n > spec.max)) {
      throw bad(section, spec, raw, `${what} ${bounds(spec)}`);
    }
    return n;
  };
  // An empty path would mean the working directory, an empty list no input or no ports: never what was meant.
  const refuseEmpty = (): never => {
    throw bad(section, spec, raw, `a value (leave the key out, or comment it, for the default ${shownDefault(spec)})`);
  };
  switch (spec.type) {
    case 'string':
    case 'path':
      if (value === '' && !emptyByDefault(spec)) refuseEmpty();
      if (spec.type === 'path' && value.includes('\0')) throw bad(section, spec, raw, 'a file path');
      return value;
    case 'int':
      if (!/^-?\d+$/.test(value)) throw bad(section, spec, raw, 'a whole number');
      return inRange(Number(value), 'a whole number');
    case 'number':
      if (!/^-?\d+(\.\d+)?$/.test(value)) throw bad(section, spec, raw, 'a number');
      return inRange(Number(value), 'a number');
    case 'duration':
      try {
        return inRange(parseDuration(value), 'a duration');
      } catch (error) {
        if (error instanceof F2bCampaignError && error.code === 'BAD_CONFIG_VALUE') throw error;
        throw bad(section, spec, raw, 'a duration like 30s, 10m, 1h or 2d');
      }
    case 'bool':
      if (/^(true|yes|on|1)$/i.test(value)) return true;
      if (/^(false|no|off|0)$/i.test(value)) return false;
      throw bad(section, spec, raw, 'true or false');
    case 'list':
    case 'cidrs':
    case 'ports': {
      const items = value
        .split(/[\s,]+/)
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
      if (items.length === 0 && !emptyByDefault(spec)) refuseEmpty();
      if (spec.type === 'ports' && items.some((item) => !/^\d+$/.test(item) || +item < 1 || +item > 65535)) {
        throw bad(section, spec, raw, 'TCP ports (1-65535), separated by commas or spaces');
      }
      if (spec.type === 'cidrs' && items.some((item) => !isCidr(item))) {
        throw bad(section, spec, raw, 'IP addresses or CIDR blocks (no host names), separated by commas or spaces');
      }
      return items;
    }
    case 'enum':
      if (!spec.choices?.includes(value)) throw bad(section, spec, raw, `one of ${spec.choices?.join(', ')}`);
      return value;
  }
}

/**
 * The section's ranges (`notBelow`) that its values, read and each within its bounds, break: one message per range,
 * on the key the file wrote (the upper one when both or neither), naming the other key, its value and whether that
 * is its default. `raw` holds the text of each key the file set.
 */
export function rangeErrors(
  section: SectionSpec,
  values: Readonly<Record<string, unknown>>,
  raw: ReadonlyMap<string, string>,
): string[] {
  const errors: string[] = [];
  for (const upper of section.keys) {
    const lower = section.keys.find((k) => k.key === upper.notBelow);
    if (!lower) continue;
    const high = values[upper.key] as number;
    const low = values[lower.key] as number;
    if (high >= low) continue;
    const text = (spec: KeySpec, n: number): string => (spec.type === 'duration' ? formatDuration(n) : String(n));
    const shown = (spec: KeySpec, n: number): string => `${text(spec, n)}${raw.has(spec.key) ? '' : ', its default'}`;
    const what = upper.type === 'duration' ? 'a duration' : 'a number';
    errors.push(
      raw.has(upper.key) || !raw.has(lower.key)
        ? bad(
            section.name,
            upper,
            raw.get(upper.key) ?? text(upper, high),
            `${what} of at least ${lower.key} (${shown(lower, low)})`,
          ).message
        : bad(section.name, lower, raw.get(lower.key)!, `${what} of at most ${upper.key} (${shown(upper, high)})`)
            .message,
    );
  }
  return errors;
}

/** `192.0.2.7`, `192.0.2.0/24`, `2001:db8::/32`: an address with an optional prefix length its family allows. */
function isCidr(item: string): boolean {
  const [address = '', bits, extra] = item.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}
