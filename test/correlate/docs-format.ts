import type { KeySpec } from '../../src/config/key-spec.js';

/** A key's default as docs/detection.md writes it: durations as 30s / 10m / 2h / 7d, lists comma-separated. */
export function formatDefault(spec: KeySpec): string {
  const value = spec.default;
  if (spec.type === 'duration') {
    const ms = Number(value);
    if (ms === 0) return '0s';
    for (const [unit, size] of [
      ['d', 86_400_000],
      ['h', 3_600_000],
      ['m', 60_000],
      ['s', 1000],
    ] as const) {
      if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
    }
    return `${ms}ms`;
  }
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ');
  return String(value);
}
