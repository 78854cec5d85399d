import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

// V8 takes the size of the main thread's young generation only from node's command line, so the program's node flags
// live on the first line of its two launchers: the package's /usr/bin/f2b-campaign and the checkout's
// bin/f2b-campaign.js (what `npx f2b-campaign`, `npm start` and bench/replay.mjs run). The unit runs the package's
// launcher, and bench/memory.mjs reads the flags from it: what developers run and measure is what the package runs.
const debianLine = read('debian/launcher/f2b-campaign').split('\n')[0] ?? '';
const checkoutLine = read('bin/f2b-campaign.js').split('\n')[0] ?? '';
const flagsOf = (line: string, interpreter: string): string[] =>
  line.startsWith(`#!${interpreter} `) ? line.slice(interpreter.length + 3).split(' ') : [];
const flags = flagsOf(debianLine, '/usr/bin/node');

describe("the program's node flags", () => {
  it("start the package's launcher with Debian's node, and the checkout's with the node on PATH, alike", () => {
    expect(flags).toContain('--max-semi-space-size=4');
    // One argument after the interpreter is all a kernel passes on a #! line; env -S splits more.
    expect(flags).toHaveLength(1);
    expect(flagsOf(checkoutLine, '/usr/bin/env -S node')).toEqual(flags);
  });

  it('are accepted by node (a misspelt one stops node before the program starts)', () => {
    const version = execFileSync(process.execPath, [...flags, join(ROOT, 'dist/f2b-campaign.mjs'), '--version'], {
      encoding: 'utf8',
    });
    expect(version).toMatch(/^\d+\.\d+\.\d+\n$/);
    // The checkout's launcher run as a command, by its #! line.
    expect(execFileSync(join(ROOT, 'bin/f2b-campaign.js'), ['--version'], { encoding: 'utf8' })).toBe(version);
  });

  it("are what the unit runs the service with: its ExecStart is the package's launcher, with the shipped config", () => {
    const execStart = /^ExecStart=(.*)$/m.exec(read('debian/f2b-campaign.service'))?.[1] ?? '';
    expect(execStart).toBe('/usr/bin/f2b-campaign run --config /etc/f2b-campaign/f2b-campaign.conf');
    expect(read('debian/f2b-campaign.install')).toMatch(/^debian\/launcher\/f2b-campaign usr\/bin\/$/m);
    // Its ExecReload sends the SIGHUP once the service has started (test/package/reload-when-started.test.ts).
    expect(read('debian/f2b-campaign.service')).toMatch(
      /^ExecReload=\/usr\/share\/f2b-campaign\/reload-when-started \$MAINPID$/m,
    );
    expect(read('debian/f2b-campaign.install')).toMatch(/^debian\/reload-when-started usr\/share\/f2b-campaign\/$/m);
    expect(read('debian/f2b-campaign.install')).toMatch(/^dist\/f2b-campaign\.mjs usr\/share\/f2b-campaign\/$/m);
    // replay's parser thread runs its own bundle, which the program looks for beside itself (src/cli/main.ts), and
    // both load the code they share and each command's own from chunks/ beside them (scripts/bundle-options.mjs).
    expect(read('debian/f2b-campaign.install')).toMatch(/^dist\/f2b-campaign-parser\.mjs usr\/share\/f2b-campaign\/$/m);
    expect(read('debian/f2b-campaign.install')).toMatch(/^dist\/chunks\/\*\.mjs usr\/share\/f2b-campaign\/chunks\/$/m);
    expect(read('src/cli/main.ts')).toContain("new URL('f2b-campaign-parser.mjs', import.meta.url)");
    expect(read('debian/launcher/f2b-campaign')).toContain("import('/usr/share/f2b-campaign/f2b-campaign.mjs')");
  });

  it('are what `npm start` runs the service with', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('bin/f2b-campaign.js run');
  });
});
