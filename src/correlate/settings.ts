import type { KeySpec } from '../config/key-spec.js';

/**
 * Reads one key of the [detection] section as loadConfig returns it; a missing key takes its documented default,
 * so tests and the library API can pass `{}` and get exactly the shipped behaviour.
 */
export function setting<T>(values: Readonly<Record<string, unknown>>, spec: KeySpec<T>): T {
  const value = values[spec.key];
  return (value === undefined ? spec.default : value) as T;
}

/** Shorthand for the many numeric keys (int, number, duration in ms). */
export function numberKey(
  key: string,
  def: number,
  doc: string,
  extra: Partial<KeySpec<number>> = {},
): KeySpec<number> {
  // A bound of `above` replaces the floor of 0, which would read as allowing 0 itself.
  const floor = extra.above === undefined ? { min: 0 } : {};
  return { key, type: 'number', default: def, doc, ...floor, ...extra };
}

export function durationKey(key: string, def: number, doc: string, min = 0): KeySpec<number> {
  return { key, type: 'duration', default: def, doc, min };
}

export function intKey(key: string, def: number, doc: string, min = 1): KeySpec<number> {
  return { key, type: 'int', default: def, doc, min };
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
