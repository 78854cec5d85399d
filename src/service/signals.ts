import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';

export interface Stoppable {
  stop(): Promise<void>;
  reload(): Promise<void>;
}

/** How long a clean shutdown may take before we exit anyway (systemd's TimeoutStopSec is longer). */
export const STOP_DEADLINE_MS = 5000;

/**
 * Holds SIGHUP while the service starts (reading fail2ban's configuration can take seconds): Node's default for it
 * is to exit, so a logrotate or `systemctl reload` in that window would kill the service. Returns the release,
 * which says whether one came (the caller then reloads once, as it would have).
 */
export function holdHangups(): () => boolean {
  let held = false;
  const onHup = () => {
    held = true;
  };
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGHUP', onHup);
    return held;
  };
}

/**
 * SIGTERM / SIGINT: stop cleanly (sources closed, state saved) and exit 0, or exit 1 if that takes more than
 * STOP_DEADLINE_MS; a second signal exits at once (the state saved last stays valid: a restart re-reads a few
 * lines and drops their repeated verdicts). SIGHUP: reload (at once if `reloadNow`: one came during the start).
 * Resolves with the exit code once stopped.
 */
export function runUntilSignalled(service: Stoppable, log: Logger, reloadNow = false): Promise<number> {
  if (reloadNow) void service.reload();
  return new Promise((resolve) => {
    let stopping = false;
    const onStop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ event: LOG_EVENTS.forcedExit, signal });
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      const deadline = setTimeout(() => {
        log.error({ event: LOG_EVENTS.forcedExit, reason: `clean stop took more than ${STOP_DEADLINE_MS} ms` });
        process.exit(1);
      }, STOP_DEADLINE_MS);
      deadline.unref();
      service.stop().then(
        () => {
          clearTimeout(deadline);
          process.off('SIGHUP', onHup);
          resolve(0);
        },
        (error: unknown) => {
          log.error({ event: LOG_EVENTS.forcedExit, err: (error as Error).message });
          resolve(1);
        },
      );
    };
    const onHup = () => void service.reload();
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', onHup);
  });
}
