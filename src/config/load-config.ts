import { readFileSync } from 'node:fs';
import { parse as parseIni } from 'ini';
import { F2bCampaignError } from '../core/errors.js';
import { scanIniText } from './ini-scan.js';
import { type KeySpec, parseKeyValue, rangeErrors, type SectionSpec } from './key-spec.js';
import { SECTIONS } from './sections/index.js';

/** Typed values by section and key; every key present, defaults filled in. */
export type ConfigValues = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface LoadedConfig {
  readonly values: ConfigValues;
  /** The file read, or null when running on the built-in defaults. */
  readonly file: string | null;
  /** `section.key` names the file set explicitly (the rest are defaults). */
  readonly explicit: ReadonlySet<string>;
}

export function defaultValues(sections: readonly SectionSpec[] = SECTIONS): Record<string, Record<string, unknown>> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const section of sections) {
    values[section.name] = Object.fromEntries(section.keys.map((spec) => [spec.key, spec.default]));
  }
  return values;
}

/**
 * Validates ini text against the sections: unknown sections and keys are errors, as are bad values, each naming the
 * key, the value and what was expected, and sections or keys written twice (see scanIniText). Returns every key with its default where the text did not set it.
 */
export function parseConfigText(
  text: string,
  origin: string,
  sections: readonly SectionSpec[] = SECTIONS,
): LoadedConfig {
  // A byte-order mark (an editor's UTF-8 with BOM) is no part of the first section's name (found in review: it read
  // as `unknown section [[service]]`, the mark invisible).
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let raw: Record<string, unknown>;
  try {
    raw = parseIni(body);
  } catch (error) {
    throw new F2bCampaignError('BAD_CONFIG', `${origin}: not an ini file: ${(error as Error).message}`);
  }
  const values = defaultValues(sections);
  const explicit = new Set<string>();
  const errors = scanIniText(body, origin);
  for (const [sectionName, body] of Object.entries(raw)) {
    const section = sections.find((s) => s.name === sectionName);
    if (!section || typeof body !== 'object' || body === null) {
      errors.push(
        `${origin}: unknown section [${sectionName}] (expected one of ${sections.map((s) => `[${s.name}]`).join(', ')})`,
      );
      continue;
    }
    const written = new Map<string, string>();
    let bounded = true;
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const spec: KeySpec | undefined = section.keys.find((k) => k.key === key);
      if (!spec) {
        errors.push(
          `${origin}: unknown key [${sectionName}] ${key} (known: ${section.keys.map((k) => k.key).join(', ')})`,
        );
        continue;
      }
      // `ini` reads `true`/`false` as booleans; the key's own type decides what the text means.
      const text = typeof value === 'boolean' ? String(value) : value;
      if (typeof text !== 'string') {
        errors.push(`${origin}: [${sectionName}] ${key} must be given once, as key = value`);
        continue;
      }
      try {
        values[sectionName]![key] = parseKeyValue(sectionName, spec, text);
        explicit.add(`${sectionName}.${key}`);
        written.set(key, text.trim());
      } catch (error) {
        errors.push(`${origin}: ${(error as Error).message}`);
        bounded = false;
      }
    }
    // Ranges are judged on values each within its bounds: a bad one is reported once, as itself.
    if (bounded) errors.push(...rangeErrors(section, values[sectionName]!, written).map((e) => `${origin}: ${e}`));
  }
  if (errors.length > 0) throw new F2bCampaignError('BAD_CONFIG', errors.join('\n'));
  followSshPorts(values, explicit);
  return { values, file: origin, explicit };
}

/**
 * Keys that name sshd's ports again, for the socket-lifetime signal and the lateral-movement alerts: left out, they
 * follow `[service] ssh_ports` (found in review: with sshd on 2222 and only ssh_ports set, the lifetime signal was
 * silently dead and the admin's own sessions were judged as outbound when sshd's listener was gone a moment).
 */
const FOLLOW_SSH_PORTS = ['detection.socket_ports', 'alerts.inbound_ports'];

function followSshPorts(values: Record<string, Record<string, unknown>>, explicit: ReadonlySet<string>): void {
  if (!explicit.has('service.ssh_ports')) return;
  for (const name of FOLLOW_SSH_PORTS) {
    const [section, key] = name.split('.') as [string, string];
    if (!explicit.has(name) && values[section] && key in values[section]) {
      values[section][key] = values['service']!['ssh_ports'];
    }
  }
}

/** Reads the config file; a missing file is fine only when `required` is false (the built-in defaults then apply). */
export function loadConfig(path: string, required: boolean): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !required) {
      return { values: defaultValues(), file: null, explicit: new Set() };
    }
    throw new F2bCampaignError('CONFIG_UNREADABLE', `cannot read config ${path}: ${(error as Error).message}`);
  }
  return parseConfigText(text, path);
}
