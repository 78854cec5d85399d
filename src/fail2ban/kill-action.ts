import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The jail's second action (fail2ban/action.d/f2b-campaign-kill.conf): it ends the connections a banned address still
 * has open at sshd, which sshd would otherwise keep until LoginGraceTime, counted against MaxStartups. It ends only
 * those on the jail's `sshd_port`, so a port sshd listens on that is not there is a port where the slots fill again.
 */
export const KILL_ACTION = 'f2b-campaign-kill';
export const KILL_ACTION_FILE = `action.d/${KILL_ACTION}.conf`;

/** A port list as `ss` reads the action's `<port>`: numbers, or tcp service names from /etc/services. */
export function resolvePorts(list: string, services = '/etc/services'): { ports: number[]; unknown: string[] } {
  const ports: number[] = [];
  const unknown: string[] = [];
  let table: Map<string, number> | undefined;
  for (const word of list.split(',').map((w) => w.trim())) {
    if (word === '') continue;
    if (/^\d+$/.test(word)) {
      ports.push(Number(word));
      continue;
    }
    table ??= tcpServices(services);
    const port = table.get(word);
    if (port === undefined) unknown.push(word);
    else ports.push(port);
  }
  return { ports, unknown };
}

/** `name port/tcp alias...` lines: each name and alias to its port. */
function tcpServices(path: string): Map<string, number> {
  const table = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return table;
  }
  for (const line of text.split('\n')) {
    const [name, spec, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
    const m = /^(\d+)\/tcp$/.exec(spec ?? '');
    if (!name || !m) continue;
    for (const n of [name, ...aliases]) if (!table.has(n)) table.set(n, Number(m[1]));
  }
  return table;
}

/**
 * Warnings for `check`: the jail's action (as fail2ban would read it) without the kill, or sshd's ports as the service
 * knows them (`[service] ssh_ports`) not all among those the kill ends. `local` names the file an admin changes.
 */
export function killActionWarnings(options: {
  readonly jail: string;
  readonly action: string | undefined;
  readonly sshdPort: string | undefined;
  readonly sshPorts: readonly number[];
  readonly local: string;
  readonly services?: string;
}): string[] {
  const { jail, local } = options;
  if (!new RegExp(`(^|\\s)${KILL_ACTION}(\\[|\\s|$)`).test(options.action ?? '')) {
    return [
      `the ${jail} jail's action has no ${KILL_ACTION}: a member banned mid-connection keeps its sshd connection ` +
        `until LoginGraceTime, counted against MaxStartups, and sshd refuses others' at random once those fill it; ` +
        `if you set action in ${local}, end its list with ${KILL_ACTION}[port="%(sshd_port)s"]`,
    ];
  }
  const list = options.sshdPort ?? '22';
  const { ports, unknown } = resolvePorts(list, options.services);
  const warnings = unknown.map(
    (name) =>
      `the ${jail} jail's sshd_port names ${name}, which is not a tcp service in /etc/services: ss cannot end ` +
      `connections on it; set sshd_port to sshd's port numbers in ${local}`,
  );
  const missed = options.sshPorts.filter((port) => !ports.includes(port));
  if (missed.length > 0) {
    warnings.push(
      `sshd listens on ${missed.join(', ')} ([service] ssh_ports), but the ${jail} jail's ${KILL_ACTION} ends ` +
        `connections on ${ports.join(', ') || 'no port'} (sshd_port = ${list}): a member banned mid-connection there ` +
        `keeps its sshd slot until LoginGraceTime; set sshd_port = ${[...new Set([...ports, ...options.sshPorts])].join(',')} in ${local}`,
    );
  }
  return warnings;
}

/**
 * `path` with its deepest existing directory resolved (/var/run is /run on Debian): fail2ban's run directory itself
 * goes while fail2ban is stopped, its parent stays.
 */
function resolvedPath(path: string): string {
  const dir = dirname(path);
  try {
    return join(realpathSync(dir), basename(path));
  } catch {
    return dir === path ? path : join(resolvedPath(dir), basename(path));
  }
}

/**
 * A warning for `check` when the jail's kill action does not mark fail2ban's reloads at `mark`, where the service
 * looks (beside fail2ban's pid file): a `fail2ban-client reload` run by hand then leaves the service on what it read
 * before. `actionreload`: the action's command as fail2ban resolved it (`fail2ban-client -d`).
 */
export function reloadMarkWarning(jail: string, actionreload: string | undefined, mark: string): string | null {
  const touched = /^touch '([^']+)'/.exec(actionreload?.trim() ?? '')?.[1];
  if (touched !== undefined && resolvedPath(touched) === resolvedPath(mark)) return null;
  const now = touched === undefined ? 'marks no reload' : `marks its reloads at ${touched}`;
  return (
    `the ${jail} jail's ${KILL_ACTION} ${now}, but the service looks for ${mark} (beside fail2ban's pid file): a ` +
    `fail2ban-client reload does not reload the service; install the package's ${KILL_ACTION_FILE} (an older ` +
    `one marks nothing) or set its reload_mark to ${mark}, else run systemctl reload f2b-campaign after each`
  );
}
