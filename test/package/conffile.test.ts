import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultValues, parseConfigText } from '../../src/config/load-config.js';
import { SECTIONS } from '../../src/config/sections/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The shipped /etc/f2b-campaign/f2b-campaign.conf, made exactly as debian/rules makes it.
const text = execFileSync(process.execPath, ['debian/gen-conf.mjs'], { cwd: ROOT, encoding: 'utf8' });
const lines = text.split('\n');

describe('the shipped conffile (debian/gen-conf.mjs)', () => {
  it('lists every key of every section once, commented out, under its section', () => {
    for (const section of SECTIONS) {
      const start = lines.indexOf(`[${section.name}]`);
      expect(start, `[${section.name}]`).toBeGreaterThanOrEqual(0);
      const next = lines.findIndex((line, i) => i > start && /^\[/.test(line));
      const body = lines.slice(start, next < 0 ? undefined : next);
      for (const spec of section.keys) {
        expect(
          body.filter((line) => line.startsWith(`#${spec.key} = `)),
          `${section.name}.${spec.key}`,
        ).toHaveLength(1);
      }
    }
    expect(lines.filter((line) => /^[a-z][a-z0-9_]*\s*=/.test(line))).toEqual([]);
  });

  it('loads as the built-in defaults, as shipped', () => {
    expect(parseConfigText(text, 'shipped').values).toEqual(defaultValues());
  });

  it('shows each default as a value the loader reads back to that default', () => {
    const uncommented = lines.map((line) => line.replace(/^#([a-z][a-z0-9_]* = )/, '$1')).join('\n');
    const loaded = parseConfigText(uncommented, 'uncommented');
    expect(loaded.values).toEqual(defaultValues());
    expect(loaded.explicit.size).toBe(SECTIONS.reduce((n, s) => n + s.keys.length, 0));
  });
});
