import { type DestinationStream, destination, type Logger, pino, stdTimeFunctions } from 'pino';

export type { Logger };

/**
 * The service's own log: pino JSON on stdout (journald keeps it), written synchronously so the last lines before
 * an exit are not lost. Level names are pino's; `log_level` in [service] picks the threshold.
 */
export function createLogger(level: string, stream: number | DestinationStream = 1): Logger {
  const dest = typeof stream === 'number' ? destination({ dest: stream, sync: true }) : stream;
  return pino({ level, base: { pid: process.pid, name: 'f2b-campaign' }, timestamp: stdTimeFunctions.isoTime }, dest);
}
