// Found by hand mutation testing: docs/service.md: the state holds each parser's per-connection memory, "so a
// restart keeps pairing them and counts such an attempt once".
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import { CampaignService } from '../../src/service/campaign-service.js';
import { resolveSettings } from '../../src/service/service-settings.js';
import { memoryLogger, recordingCore, tempDir, waitFor } from './helpers.js';

const t = tempDir('r5-parser-restart');
afterAll(t.cleanup);

async function run(events: AuthEvent[], before: () => void, want: number): Promise<void> {
  const dir = t.dir;
  mkdirSync(join(dir, 'net'), { recursive: true });
  writeFileSync(join(dir, 'net', 'tcp'), '  sl  local_address rem_address   st\n');
  const config = parseConfigText(
    [
      '[service]',
      `auth_log = ${join(dir, 'auth.log')}`,
      `verdict_log = ${join(dir, 'verdicts.log')}`,
      `state_dir = ${join(dir, 'state')}`,
      `runtime_dir = ${join(dir, 'run')}`,
      `sockets_from = ${join(dir, 'net')}`,
      'start_at = start',
    ].join('\n'),
    'test',
  );
  const service = new CampaignService({
    config,
    settings: resolveSettings(config),
    createCore: recordingCore(events),
    readThresholds: async () => DEBIAN_DEFAULT_THRESHOLDS,
    log: memoryLogger().log,
  });
  await service.start();
  try {
    before();
    await waitFor(() => events.length >= want, 10_000, `${want} events`);
  } finally {
    // Stopped whatever happened: a service left running saves its state in the directory that goes at the end.
    await service.stop();
  }
}

it('counts an Invalid user try once when a clean restart falls between its two lines', async () => {
  const log = join(t.dir, 'auth.log');
  const events: AuthEvent[] = [];
  writeFileSync(log, 'Feb 16 08:00:00 host sshd[4242]: Invalid user admin from 198.51.100.7 port 40000\n');
  await run(events, () => {}, 1);
  await run(
    events,
    () =>
      appendFileSync(
        log,
        'Feb 16 08:00:02 host sshd[4242]: Failed password for invalid user admin from 198.51.100.7 port 40000 ssh2\n',
      ),
    2,
  );
  expect(events.map((e) => e.count)).toEqual([1, 0]);
});
