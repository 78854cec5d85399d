import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundleOptions } from '../../scripts/bundle-options.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The npm packages esbuild puts into dist/f2b-campaign.mjs (the build's own options, nothing written). */
async function bundledPackages(): Promise<string[]> {
  const result = await build({
    ...bundleOptions(join(ROOT, 'dist', 'copyright-check.mjs')),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const names = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const at = input.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const parts = input.slice(at + 'node_modules/'.length).split('/');
    names.add(parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
  }
  return [...names].sort();
}

/** debian/copyright's stanzas: the Files patterns and the License of each. */
function copyrightStanzas(): { files: string[]; license: string }[] {
  const text = readFileSync(join(ROOT, 'debian', 'copyright'), 'utf8');
  return text
    .split(/\n\s*\n/)
    .filter((stanza) => stanza.startsWith('Files:'))
    .map((stanza) => {
      const files = /^Files:((?:.*\n(?: .*\n)*))/m.exec(`${stanza}\n`)![1]!.split(/\s+/).filter(Boolean);
      const license = /^License: (.+)$/m.exec(stanza)![1]!.trim();
      return { files, license };
    });
}

describe('debian/copyright', () => {
  it('names every npm module bundled into the program, with the licence its package.json declares', async () => {
    const stanzas = copyrightStanzas();
    const packages = await bundledPackages();
    expect(packages.length).toBeGreaterThan(5);
    for (const name of packages) {
      const stanza = stanzas.find((s) => s.files.includes(`node_modules/${name}/*`));
      expect(stanza, `${name} is bundled but not in debian/copyright`).toBeDefined();
      const declared = (
        JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
          license: string;
        }
      ).license;
      expect(stanza!.license, name).toBe(declared);
    }
  }, 60_000);
});
