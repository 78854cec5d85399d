import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

// The unit runs node itself (not the launcher) so that it can give V8 a smaller young generation, which only the
// command line can set. The service's node flags live in its ExecStart; bench/memory.mjs reads them from there, and
// `npm start` must use the same, or what developers run and measure is not what the package runs.
const execStart = /^ExecStart=(.*)$/m.exec(read('debian/f2b-campaign.service'))?.[1] ?? '';
const [node, ...args] = execStart.split(' ');
const bundleAt = args.findIndex((arg) => !arg.startsWith('--'));
const flags = args.slice(0, bundleAt);
const [bundle, ...command] = args.slice(bundleAt);

describe("the unit's ExecStart", () => {
  it("runs Debian's node on the bundle the package installs and the launcher loads, with the shipped config", () => {
    expect(node).toBe('/usr/bin/node');
    expect(bundle).toBe('/usr/share/f2b-campaign/f2b-campaign.mjs');
    expect(read('debian/f2b-campaign.install')).toMatch(/^dist\/f2b-campaign\.mjs usr\/share\/f2b-campaign\/$/m);
    expect(read('debian/launcher/f2b-campaign')).toContain(`import('${bundle}')`);
    expect(command).toEqual(['run', '--config', '/etc/f2b-campaign/f2b-campaign.conf']);
  });

  it('gives node flags it accepts (a misspelt one stops node before the program starts)', () => {
    expect(flags).toContain('--max-semi-space-size=4');
    const version = execFileSync(process.execPath, [...flags, join(ROOT, 'dist/f2b-campaign.mjs'), '--version'], {
      encoding: 'utf8',
    });
    expect(version).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('is what `npm start` runs the service with', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${flags.join(' ')} bin/f2b-campaign.js run`);
  });
});
