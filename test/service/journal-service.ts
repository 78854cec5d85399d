import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load-config.js';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import { CampaignService } from '../../src/service/campaign-service.js';
import { resolveSettings } from '../../src/service/service-settings.js';
import { memoryLogger, recordingCore } from './helpers.js';

/** What a journal service of a test is made with (journalService). */
export interface JournalServiceOptions {
  /** The journalctl it runs: the real one of a test journald (real-journal.ts), or a wrapper around it. */
  readonly journalctl: string;
  /** Every event the service's core is given, in order. */
  readonly events: AuthEvent[];
  /** Its state directory's name in `dir` (default `state`): runs that share it resume from one another. */
  readonly state?: string;
  readonly startAt?: 'start' | 'end';
}

/**
 * The service as the program runs it (CampaignService), following the journal, with its files in `dir`, no sockets
 * (an empty `net/tcp`), Debian's fail2ban thresholds, and a core that records the events it is given. Its log is
 * kept in memory: `lines()`.
 */
export function journalService(
  dir: string,
  options: JournalServiceOptions,
): { service: CampaignService; lines: () => Record<string, unknown>[] } {
  if (!existsSync(join(dir, 'net', 'tcp'))) {
    mkdirSync(join(dir, 'net'), { recursive: true });
    writeFileSync(join(dir, 'net', 'tcp'), '  sl  local_address rem_address   st\n');
  }
  const config = parseConfigText(
    [
      '[service]',
      'source = journal',
      `journalctl = ${options.journalctl}`,
      `verdict_log = ${join(dir, 'verdicts.log')}`,
      `state_dir = ${join(dir, options.state ?? 'state')}`,
      `runtime_dir = ${join(dir, 'run')}`,
      `sockets_from = ${join(dir, 'net')}`,
      `start_at = ${options.startAt ?? 'end'}`,
    ].join('\n'),
    'test',
  );
  const { log, lines } = memoryLogger();
  const service = new CampaignService({
    config,
    settings: resolveSettings(config),
    createCore: recordingCore(options.events),
    readThresholds: async () => DEBIAN_DEFAULT_THRESHOLDS,
    log,
  });
  return { service, lines };
}
