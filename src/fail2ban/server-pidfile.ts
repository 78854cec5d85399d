import { dirname, join } from 'node:path';
import { readConfigSections } from './jail-files.js';

/** fail2ban-server's own default (fail2ban/client/fail2banreader.py), which Debian's fail2ban.conf repeats. */
const DEFAULT_PIDFILE = '/var/run/fail2ban/fail2ban.pid';

/**
 * The pid file the fail2ban-server of `configDir` writes as it starts and removes as it stops: `pidfile` in
 * fail2ban.conf's [Definition], as fail2ban layers fail2ban.conf, fail2ban.d/ and fail2ban.local. Null when the
 * directory holds no fail2ban.conf: no fail2ban server runs with it, there is nothing to follow.
 */
export function fail2banPidfile(configDir: string): string | null {
  const read = readConfigSections(join(configDir, 'fail2ban'));
  if (read.files.length === 0) return null;
  const written = read.sections.get('Definition')?.get('pidfile')?.trim();
  return written ? written : DEFAULT_PIDFILE;
}

/**
 * What the bundled kill action touches at each fail2ban reload (its actionreload, action.d/f2b-campaign-kill.conf, at
 * its `reload_mark`): beside the pid file, in a directory of root's that fail2ban's unit makes anew at each start.
 */
export function reloadMarkOf(pidfile: string): string {
  return join(dirname(pidfile), 'f2b-campaign.reloaded');
}
