import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { reloadMarkOf } from '../../src/fail2ban/server-pidfile.js';

/** The repository's fail2ban/ directory: what the package installs under /etc/fail2ban. */
export const BUNDLED_FAIL2BAN = fileURLToPath(new URL('../../fail2ban', import.meta.url));

/** The bundled files, by their path under /etc/fail2ban: the jail needs both others (fail2ban skips it without them). */
export const BUNDLED_FAIL2BAN_FILES = [
  'filter.d/f2b-campaign.conf',
  'action.d/f2b-campaign-kill.conf',
  'jail.d/f2b-campaign.conf',
] as const;

/**
 * Copies the bundled jail, filter and action into a fail2ban configuration directory, as the package installs them.
 * `runDir`: where a test's fail2ban-server keeps its pid file, so the kill action marks its reloads there (beside
 * it, where the service looks), not in the host's /run/fail2ban, where another test's service would see them.
 */
export function installBundledFail2ban(configDir: string, runDir?: string): void {
  for (const file of BUNDLED_FAIL2BAN_FILES) cpSync(join(BUNDLED_FAIL2BAN, file), join(configDir, file));
  if (runDir === undefined) return;
  const mark = reloadMarkOf(join(runDir, 'fail2ban.pid')); // beside a pid file there, whatever its name
  writeFileSync(join(configDir, 'action.d', 'f2b-campaign-kill.local'), `[Init]\nreload_mark = ${mark}\n`);
}

/** The bundled files' texts, keyed by their path under /etc/fail2ban (for `fail2banConfigCopies`' `files`). */
export function bundledFail2banTexts(): Record<string, string> {
  return Object.fromEntries(BUNDLED_FAIL2BAN_FILES.map((f) => [f, readFileSync(join(BUNDLED_FAIL2BAN, f), 'utf8')]));
}

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
