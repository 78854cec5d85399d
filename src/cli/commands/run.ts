import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/load-config.js';
import { F2bCampaignError } from '../../core/errors.js';
import { createCore } from '../../correlate/create-core.js';
import { readFail2banThresholds } from '../../fail2ban/read-thresholds.js';
import { networkLookupsOf } from '../../geo/network-databases.js';
import { CampaignService, type CoreFactory, type ThresholdReader } from '../../service/campaign-service.js';
import { acquireInstanceLock } from '../../service/instance-lock.js';
import { LOG_EVENTS } from '../../service/log-events.js';
import { createLogger } from '../../service/logger.js';
import { resolveSettings, type SettingsOverrides } from '../../service/service-settings.js';
import { holdSignals, runUntilSignalled } from '../../service/signals.js';
import { requireSafeServicePaths } from '../../service/trusted-directory.js';
import type { Command } from '../command.js';
import { limitHeapGrowth } from '../heap-growth.js';
import { VERSION } from '../version.js';

export const DEFAULT_CONFIG = '/etc/f2b-campaign/f2b-campaign.conf';

/**
 * The core the service drives: the same factory as `replay`, fed the [detection] and [alerts] sections, and the
 * asn_database and country_database read anew (at start and at each reload, as the rest of the configuration is).
 */
export const serviceCore: CoreFactory = (values, thresholds, snapshot, rows) => {
  const detection = values['detection'] ?? {};
  return createCore(detection, thresholds, snapshot, values['alerts'] ?? {}, rows, networkLookupsOf(detection));
};

/** fail2ban's thresholds for the service; what f2b-campaign cannot honour as fail2ban does goes to `warn`. */
export const serviceThresholds =
  (warn: (message: string) => void = () => {}): ThresholdReader =>
  (settings) =>
    readFail2banThresholds({ jail: settings.fail2banJail, configDir: settings.fail2banConfig, onWarning: warn });

const usage = `usage: f2b-campaign run [--config FILE] [--auth-log FILE]... [--verdicts FILE] [--state-dir DIR]
                        [--sockets-from DIR] [--fail2ban-dir DIR]

Runs the service: follows sshd's log (or the journal), samples /proc/net/tcp{,6}, and appends verdict lines for
the f2b-campaign fail2ban jail. Each option overrides the config file (default ${DEFAULT_CONFIG}, optional;
built-in defaults apply without it). SIGHUP reloads the config and fail2ban's thresholds and reopens the verdict
log, as does a start, restart or reload of fail2ban-server (its pid file, and the mark the jail's f2b-campaign-kill
action leaves beside it, are looked at every second); SIGTERM/SIGINT stop cleanly, a second one at once. The JSON
log goes to stdout.

  --config FILE        configuration file (must exist when given)
  --auth-log FILE      sshd log to follow (repeatable; replaces [service] auth_log)
  --verdicts FILE      verdict log to append to ([service] verdict_log)
  --state-dir DIR      read positions, journal cursor and campaign state ([service] state_dir)
  --sockets-from DIR   read tcp and tcp6 from DIR instead of /proc/net ([service] sockets_from)
  --fail2ban-dir DIR   fail2ban's configuration directory ([service] fail2ban_config)`;

/** Parses the options `run` shares with `check`. */
export function serviceArgs(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string' },
      'auth-log': { type: 'string', multiple: true },
      verdicts: { type: 'string' },
      'state-dir': { type: 'string' },
      'sockets-from': { type: 'string' },
      'fail2ban-dir': { type: 'string' },
    },
    strict: true,
  });
  const overrides: SettingsOverrides = {
    ...(values['auth-log'] ? { authLogs: values['auth-log'] } : {}),
    ...(values.verdicts ? { verdictLog: values.verdicts } : {}),
    ...(values['state-dir'] ? { stateDir: values['state-dir'] } : {}),
    ...(values['sockets-from'] ? { socketsFrom: values['sockets-from'] } : {}),
  };
  const configPath = values.config ?? DEFAULT_CONFIG;
  const load = () => loadConfig(configPath, values.config !== undefined);
  const settingsOf = (config: ReturnType<typeof load>) => {
    const settings = resolveSettings(config, overrides);
    const dir = values['fail2ban-dir'];
    return dir ? { ...settings, fail2banConfig: dir } : settings;
  };
  return { load, settingsOf, configPath };
}

export const runCommand: Command = {
  name: 'run',
  usage,
  async run(argv) {
    const parsed = serviceArgs(argv);
    const config = parsed.load();
    const settings = parsed.settingsOf(config);
    // Before anything is made or written there: a place every user can write is refused, not used.
    requireSafeServicePaths(settings);
    const log = createLogger(settings.logLevel);
    limitHeapGrowth();
    // Started as `node .../f2b-campaign.mjs run` the service would show in ps, top and pgrep as `node`, and through
    // the checkout's launcher as `f2b-campaign.js`: it names itself as the package's launcher does. The name only:
    // the kernel's copy of it (what top and pgrep read) keeps 15 characters, and `f2b-campaign ru` would be worse.
    process.title = 'f2b-campaign';
    const service = new CampaignService({
      config,
      settings,
      createCore: serviceCore,
      readThresholds: serviceThresholds((warning) => log.warn({ event: LOG_EVENTS.thresholds, warning })),
      log,
      reloadConfig: parsed.load,
      settingsOf: parsed.settingsOf,
      version: VERSION,
    });
    // One `run` per state_dir: a second would read the same logs and write every verdict twice.
    const lock = acquireInstanceLock(settings.stateDir, {
      onStale: (stalePid, path) => log.warn({ event: LOG_EVENTS.staleLock, stalePid, path }),
    });
    const release = holdSignals(log);
    let code: number;
    try {
      await service.start().catch((error: unknown) => {
        // journald keeps the log: the reason the unit failed is there as well as on stderr.
        if (error instanceof F2bCampaignError && error.code === 'STATE_UNREADABLE') {
          log.error({ event: LOG_EVENTS.stateUnreadable, problem: error.message });
        }
        throw error;
      });
      code = await runUntilSignalled(service, log, release);
    } finally {
      lock.release();
    }
    // Everything is saved and closed; do not wait for stray handles (a watcher's last callback) to drain.
    process.exit(code);
  },
};
