import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectionSection } from '../../src/config/sections/detection.js';
import { SIGNALS } from '../../src/correlate/signals/signal.js';
import { formatDefault } from './docs-format.js';

const doc = readFileSync(new URL('../../docs/detection.md', import.meta.url), 'utf8');

describe('docs/detection.md', () => {
  it.each(detectionSection.keys.map((k) => [k.key, k] as const))('documents %s with its default', (key, spec) => {
    // Table cells may be padded (the formatter aligns markdown tables).
    const cell = (text: string) => `\\|\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*`;
    expect(doc).toMatch(new RegExp(`${cell(`\`${key}\``)}${cell(formatDefault(spec))}\\|`));
  });

  it.each([...SIGNALS])('explains the %s signal', (signal) => {
    const file = signal === 'ordered' ? 'ordered-names' : signal === 'lifetime' ? 'socket-lifetime' : signal;
    expect(doc).toContain(`(\`${file}.ts\`)`);
  });
});
