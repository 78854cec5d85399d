import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';

export interface Stoppable {
  stop(): Promise<void>;
  reload(): Promise<void>;
}

/** How long a clean shutdown may take before we exit anyway (systemd's TimeoutStopSec is longer). */
const STOP_DEADLINE_MS = 5000;

/** What came while the service was starting (holdSignals). */
export interface HeldSignals {
  /** A SIGHUP: reload once started, as it would have been. */
  readonly hangup: boolean;
  /** A SIGTERM or SIGINT: stop once started. */
  readonly stop: NodeJS.Signals | null;
}

/**
 * Holds SIGHUP, SIGTERM and SIGINT while the service starts (reading fail2ban's configuration can take seconds):
 * Node's default for each is to exit at once, so a logrotate, a `systemctl reload` or a `systemctl stop` in that
 * window killed the service by signal, the stop without the clean exit (status 0) the unit expects. A stop that
 * comes during the start is carried out as soon as the start is done; if the start has not finished within
 * STOP_DEADLINE_MS of it, the process ends then by that signal (143, or 130 for SIGINT, to a shell), as a second
 * signal makes it.
 * Returns the release, which says what came. The hold begins at holdSignalsEarly if that was called.
 */
export function holdSignals(log: Logger): () => HeldSignals {
  const held = early ?? hold();
  early = undefined;
  held.logTo(log);
  return held.release;
}

/**
 * Begins the hold before the service's code is loaded and its configuration read: that took ~0.1 s (~0.2 s on a
 * busy machine) after node's own start, and a SIGHUP then ended the process. systemd counts an end by SIGHUP as
 * clean, so Restart=on-failure left the service down after a `systemctl reload` right behind a start. What node
 * does before it runs any JavaScript (~0.05-0.1 s) stays out of reach.
 */
export function holdSignalsEarly(): void {
  early ??= hold();
}

interface Hold {
  readonly release: () => HeldSignals;
  /** Where the deadline's warning goes (no logger exists before the configuration is read). */
  logTo(log: Logger): void;
}

let early: Hold | undefined;

function hold(): Hold {
  let hangup = false;
  let stop: NodeJS.Signals | null = null;
  let deadline: NodeJS.Timeout | undefined;
  let log: Logger | undefined;
  const onHup = () => {
    hangup = true;
  };
  const release = () => {
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    clearTimeout(deadline);
    return { hangup, stop };
  };
  // Nothing is saved yet to save: the process ends by the signal itself, as Node's default would have ended it
  // (systemd counts an end by SIGTERM or SIGINT as clean; an exit status of 143 is a failure to it).
  const die = (signal: NodeJS.Signals) => {
    release();
    process.kill(process.pid, signal);
    // Should a listener of someone else's keep it from ending the process, the status a shell would show.
    setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), 1000).unref();
  };
  const onStop = (signal: NodeJS.Signals) => {
    if (stop !== null) return die(signal);
    stop = signal;
    deadline = setTimeout(() => {
      log?.warn({ event: LOG_EVENTS.forcedExit, signal, reason: `still starting ${STOP_DEADLINE_MS} ms after it` });
      die(signal);
    }, STOP_DEADLINE_MS);
    deadline.unref();
  };
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  return {
    release,
    logTo: (to) => {
      log = to;
    },
  };
}

/**
 * SIGTERM / SIGINT: stop cleanly (sources closed, state saved) and exit 0, or exit 1 if that takes more than
 * STOP_DEADLINE_MS; a second signal exits at once (the state saved last stays valid: a restart re-reads a few
 * lines and drops their repeated verdicts). SIGHUP: reload. `release`: the start's hold (holdSignals), released
 * once these handlers are in place, and what it held done then: a stop at once, else a reload. In the other order,
 * the hold's listeners gone and these not yet there, node restores the signals' default for a moment, and a
 * SIGHUP then ends the process. Resolves with the exit code once stopped.
 */
export function runUntilSignalled(
  service: Stoppable,
  log: Logger,
  release: () => HeldSignals = () => ({ hangup: false, stop: null }),
): Promise<number> {
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
          resolve(0);
        },
        (error: unknown) => {
          log.error({ event: LOG_EVENTS.forcedExit, err: (error as Error).message });
          resolve(1);
        },
      );
    };
    // Never removed: without a listener, node would give SIGHUP back its default (ending the process) until exit.
    // Once stopping, there is nothing left to reload.
    const onHup = () => {
      if (!stopping) void service.reload();
    };
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', onHup);
    const held = release();
    if (held.stop !== null) onStop(held.stop);
    else if (held.hangup) void service.reload();
  });
}
