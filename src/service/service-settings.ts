import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { alertSettings } from '../alerts/alert-settings.js';
import type { LoadedConfig } from '../config/load-config.js';
import { F2bCampaignError } from '../core/errors.js';

/** Everything the service needs from [service], typed, with paths made absolute. */
export interface ServiceSettings {
  readonly source: 'auto' | 'file' | 'journal';
  readonly authLogs: readonly string[];
  readonly startAt: 'start' | 'end';
  readonly journalctl: string;
  readonly verdictLog: string;
  readonly stateDir: string;
  readonly runtimeDir: string;
  readonly socketsFrom: string;
  readonly sshPorts: readonly number[];
  /**
   * Local ports whose rows the sampler always reads: sshd's, [detection] socket_ports and [alerts] inbound_ports
   * (what the core judges them by, whatever listens there: socket-sampler.ts).
   */
  readonly sampledPorts: readonly number[];
  readonly sampleInterval: number;
  readonly sampleIntervalCampaign: number;
  readonly stateInterval: number;
  /** Average bytes per second periodic state saves may write (state_write_rate). */
  readonly stateWriteRate: number;
  readonly fail2banJail: string;
  readonly fail2banConfig: string;
  readonly campaignJail: string;
  readonly logLevel: string;
}

/** Command-line overrides (`run --auth-log ... --verdicts ... --state-dir ... --sockets-from ...`). */
export interface SettingsOverrides {
  readonly authLogs?: readonly string[];
  readonly verdictLog?: string;
  readonly stateDir?: string;
  readonly socketsFrom?: string;
}

export interface SettingsEnvironment {
  readonly isRoot: boolean;
  readonly cwd: string;
  /** Whether files can be created at `path` (it, or its nearest existing parent, is writable). */
  readonly writable: (path: string) => boolean;
}

/**
 * Paths the service writes, relocated under `./var` for a developer who is not root, set none of them, and cannot
 * write the system default (/var/log, /var/lib, /run are root's): `npm start` must work on a fresh checkout. The
 * packaged service runs as its own user with systemd-made directories it can write, so it keeps the system paths.
 */
const USER_DEFAULTS: Record<string, (cwd: string) => string> = {
  verdict_log: (cwd) => join(cwd, 'var/log/f2b-campaign/verdicts.log'),
  state_dir: (cwd) => join(cwd, 'var/lib/f2b-campaign'),
  runtime_dir: (cwd) => join(cwd, 'var/run/f2b-campaign'),
};

function writableHere(path: string): boolean {
  let at = path;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  try {
    accessSync(at, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function currentEnvironment(): SettingsEnvironment {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return { isRoot, cwd: process.cwd(), writable: writableHere };
}

export function resolveSettings(
  config: LoadedConfig,
  overrides: SettingsOverrides = {},
  env: SettingsEnvironment = currentEnvironment(),
): ServiceSettings {
  const values = config.values['service'] ?? {};
  const get = <T>(key: string): T => {
    if (!(key in values)) throw new F2bCampaignError('BAD_CONFIG', `[service] ${key} is missing from the key specs`);
    return values[key] as T;
  };
  const path = (key: string): string => {
    const fallback = USER_DEFAULTS[key];
    const system = resolve(env.cwd, get<string>(key));
    if (env.isRoot || !fallback || config.explicit.has(`service.${key}`) || env.writable(system)) return system;
    return fallback(env.cwd);
  };
  // A `ports` key: the loader has checked each is a TCP port.
  const ports = get<string[]>('ssh_ports').map(Number);
  return {
    // `--auth-log FILE` means that file, even before it exists, unless the config asks for the journal.
    source: overrides.authLogs && !config.explicit.has('service.source') ? 'file' : get('source'),
    authLogs: distinctLogs(
      (overrides.authLogs ?? get<string[]>('auth_log')).map((p) => resolve(env.cwd, p)),
      overrides.authLogs ? '--auth-log' : '[service] auth_log',
    ),
    startAt: get('start_at'),
    journalctl: get('journalctl'),
    verdictLog: overrides.verdictLog ? resolve(env.cwd, overrides.verdictLog) : path('verdict_log'),
    stateDir: overrides.stateDir ? resolve(env.cwd, overrides.stateDir) : path('state_dir'),
    runtimeDir: path('runtime_dir'),
    socketsFrom: overrides.socketsFrom
      ? resolve(env.cwd, overrides.socketsFrom)
      : resolve(env.cwd, get('sockets_from')),
    sshPorts: ports,
    sampledPorts: [
      ...new Set([
        ...ports,
        ...((config.values['detection']?.['socket_ports'] as string[] | undefined) ?? []).map(Number),
        ...alertSettings(config.values['alerts'] ?? {}).inboundPorts,
      ]),
    ],
    sampleInterval: get('sample_interval'),
    sampleIntervalCampaign: get('sample_interval_campaign'),
    stateInterval: get('state_interval'),
    stateWriteRate: get('state_write_rate'),
    fail2banJail: get('fail2ban_jail'),
    fail2banConfig: get('fail2ban_config'),
    campaignJail: get('campaign_jail'),
    logLevel: get('log_level'),
  };
}

/**
 * The logs to follow, each once. One file named twice (`auth.log` and `./auth.log`, or a link to it) was followed
 * twice, every attempt in it counted twice (found in review), as `replay` refuses to. A link is told from the file it
 * names only where it exists at start.
 */
function distinctLogs(paths: readonly string[], option: string): readonly string[] {
  const real = paths.map((path) => {
    try {
      return realpathSync(path);
    } catch {
      return path; // not there yet
    }
  });
  real.forEach((file, i) => {
    const first = real.indexOf(file);
    if (first === i) return;
    const names = paths[first] === paths[i] ? paths[i] : `${paths[first]} and ${paths[i]}`;
    throw new F2bCampaignError('BAD_CONFIG', `${option} names ${names} twice: its attempts would count twice`);
  });
  return paths;
}
