import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * For a test file that reads fail2ban's configuration: `configDir(files, dirs)` makes a copy of the host's real
 * /etc/fail2ban (Debian's jail.conf, its includes and filters) with the given files written into it and the given
 * directories made, each in a temporary directory named after `name`, all removed after the file's tests.
 */
export function fail2banConfigCopies(name: string): (files: Record<string, string>, dirs?: string[]) => string {
  const work = mkdtempSync(join(tmpdir(), `f2bc-${name}-`));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let counter = 0;
  return (files, dirs = []) => {
    const dir = join(work, `conf-${++counter}`);
    cpSync('/etc/fail2ban', dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    for (const sub of dirs) mkdirSync(join(dir, sub), { recursive: true });
    return dir;
  };
}
