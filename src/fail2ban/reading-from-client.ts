import { resolve } from 'node:path';
import { dumpFail2banConfig, fail2banErrors, parseFail2banDump } from './client-dump.js';
import type { JailText, Reading } from './jail-reading.js';

/** The files of fail2ban-client's `Could not read config files: a, b` errors (it skips them and reads the rest). */
function unreadableInDump(errors: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const error of errors) {
    const listed = /^Could not read config files: (.*)$/.exec(error.trim())?.[1];
    for (const file of listed?.split(', ') ?? []) files.set(resolve(file), 'fail2ban-client could not read it');
  }
  return files;
}

/**
 * The two jails as fail2ban itself reads its configuration (`fail2ban-client -d`: no server, socket or root needed);
 * null when fail2ban is not installed or refuses the configuration (said in a warning: the files are read then).
 */
export async function fromClient(
  jail: string,
  campaignJail: string,
  configDir: string | undefined,
  warn: (message: string) => void,
): Promise<Reading | null> {
  let dump: Awaited<ReturnType<typeof dumpFail2banConfig>>;
  try {
    dump = await dumpFail2banConfig(configDir);
  } catch (error) {
    // Not installed: the files are all there is, nothing to say. Installed but failing: the files may still be
    // readable, but the operator must hear that fail2ban itself will not start with this configuration.
    const failure = clientFailure(error);
    if (failure !== null) warn(failure);
    return null;
  }
  const jails = parseFail2banDump(dump.text);
  const read = (name: string): JailText | null => {
    const dumped = jails.get(name);
    if (!dumped) return null; // disabled or absent: fail2ban says nothing about it, the files still do
    const ignoreself = dumped.settings.get('ignoreself');
    const ignorecommand = dumped.settings.get('ignorecommand');
    return {
      maxretry: dumped.settings.get('maxretry'),
      findtime: dumped.settings.get('findtime'),
      bantime: dumped.settings.get('bantime'),
      ignoreip: dumped.ignoreip,
      ignoreself: ignoreself !== false && ignoreself !== 'false',
      ignorecommand: typeof ignorecommand === 'string' ? ignorecommand.trim() : '',
      refusal: null, // fail2ban resolved them all, or it would have printed nothing
    };
  };
  return {
    origin: 'fail2ban-client',
    jail: read(jail),
    campaign: read(campaignJail),
    running: [...jails.keys()],
    unreadable: unreadableInDump(dump.errors),
  };
}

/** Why `fail2ban-client -d` gave no dump, for a warning; null when fail2ban is not installed. */
function clientFailure(error: unknown): string | null {
  const e = error as { code?: string; timedOut?: boolean; exitCode?: number; stderr?: string; message?: string };
  if (e.code === 'ENOENT') return null;
  const fallback = 'the figures are read from the jail files instead';
  if (e.timedOut) return `fail2ban-client -d did not answer in time: ${fallback}`;
  const said = fail2banErrors(e.stderr ?? '').map((record) => record.slice(0, 400));
  const why = said.length > 0 ? said.join('; ') : (e.message ?? String(error)).split('\n')[0];
  return (
    `fail2ban-client -d failed (exit ${e.exitCode ?? '?'}): ${why}; fail2ban itself will not start with this ` +
    `configuration; ${fallback}`
  );
}
