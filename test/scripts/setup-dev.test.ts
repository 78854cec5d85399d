import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../service/helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const t = tempDir('setup-dev');
afterAll(t.cleanup);

/**
 * scripts/setup-dev.sh run in a copy of its directory, on a PATH of stubs: dpkg-query says every apt package is
 * installed but npm, apt-get records what it is asked for (and installs an npm stub), npm records its call.
 */
function runSetup(withNpm: boolean): { code: number | null; apt: string; npm: string; stderr: string } {
  const root = join(t.dir, withNpm ? 'with-npm' : 'no-npm');
  const bin = join(root, 'bin');
  mkdirSync(join(root, 'scripts'), { recursive: true });
  mkdirSync(bin);
  copyFileSync(join(REPO, 'scripts/setup-dev.sh'), join(root, 'scripts/setup-dev.sh'));
  for (const tool of ['dirname', 'grep', 'rm', 'chmod']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stub('id', 'echo 0');
  stub('node', 'echo v18.19.0');
  stub('dpkg-query', 'case " $* " in *" npm "*) exit 1 ;; esac; echo "install ok installed"');
  const npm = `#!/bin/bash\necho "$@" >> ${root}/npm.calls\n`;
  stub('apt-get', `echo "$@" >> ${root}/apt.calls; printf '%s' '${npm}' > ${bin}/npm; chmod +x ${bin}/npm`);
  if (withNpm) stub('npm', `echo "$@" >> ${root}/npm.calls`);
  const r = spawnSync('/bin/bash', [join(root, 'scripts/setup-dev.sh')], {
    encoding: 'utf8',
    env: { PATH: bin },
  });
  const read = (f: string) => {
    try {
      return readFileSync(join(root, f), 'utf8');
    } catch {
      return '';
    }
  };
  return { code: r.status, apt: read('apt.calls'), npm: read('npm.calls'), stderr: r.stderr };
}

describe('scripts/setup-dev.sh', () => {
  // Found in review: with Debian's nodejs (pulled in by the .deb) but no npm, it died with "npm: command not found".
  it('installs npm when node is there but npm is not', () => {
    const r = runSetup(false);
    expect(r.stderr).not.toContain('command not found');
    expect(r.code).toBe(0);
    expect(r.apt).toMatch(/^install .* npm$/m);
    expect(r.apt).not.toMatch(/nodejs/);
    expect(r.npm).toBe('install --no-audit --no-fund\n');
  });

  it('installs nothing from apt when node and npm are both there', () => {
    const r = runSetup(true);
    expect(r.code, r.stderr).toBe(0);
    expect(r.apt).toBe('');
    expect(r.npm).toBe('install --no-audit --no-fund\n');
  });
});
