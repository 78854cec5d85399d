import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import { CampaignService } from '../../src/service/campaign-service.js';
import { resolveSettings } from '../../src/service/service-settings.js';
import { localMachineId } from '../../src/sources/journal-args.js';
import { memoryLogger, recordingCore, sleep, tempDir, waitFor } from './helpers.js';

/**
 * The service in journal mode against the fake journalctl, which serves `--follow` the current boot only unless
 * `--merge` is given, as the real one does (test/bin/journalctl). The service follows this machine across boots
 * (`--merge _MACHINE_ID=<id>`): what it reads when /proc shows another boot id (a sandbox under systemd-nspawn), after
 * a reboot, and what it leaves out (another machine's entries, as journal-remote or a container's linked journal
 * would add them).
 */
const FAKE = fileURLToPath(new URL('../bin/journalctl', import.meta.url));
const t = tempDir('journal-boots');
afterAll(t.cleanup);
const machine = localMachineId();

let seq = 0;
function entry(ip: string, fields: Record<string, string> = {}): string {
  seq++;
  return `${JSON.stringify({
    __CURSOR: `s=boots;i=${seq}`,
    __REALTIME_TIMESTAMP: String(Date.now() * 1000),
    SYSLOG_IDENTIFIER: 'sshd',
    _TRANSPORT: 'syslog',
    SYSLOG_PID: String(1000 + seq),
    MESSAGE: `Failed password for root from ${ip} port 4242 ssh2`,
    ...fields,
  })}\n`;
}

async function withService(name: string, startAt: 'start' | 'end', body: (ips: () => string[]) => Promise<void>) {
  const dir = join(t.dir, name);
  mkdirSync(join(dir, 'net'), { recursive: true });
  writeFileSync(join(dir, 'net', 'tcp'), '  sl  local_address rem_address   st\n');
  const config = parseConfigText(
    [
      '[service]',
      'source = journal',
      `journalctl = ${FAKE}`,
      `verdict_log = ${join(t.dir, 'verdicts.log')}`,
      `state_dir = ${join(t.dir, 'state')}`,
      `runtime_dir = ${join(dir, 'run')}`,
      `sockets_from = ${join(dir, 'net')}`,
      `start_at = ${startAt}`,
    ].join('\n'),
    'test',
  );
  const events: AuthEvent[] = [];
  const recording = recordingCore(events);
  const service = new CampaignService({
    config,
    settings: resolveSettings(config),
    createCore: recording,
    readThresholds: async () => DEBIAN_DEFAULT_THRESHOLDS,
    log: memoryLogger().log,
  });
  await service.start();
  try {
    await body(() => events.map((e) => e.ip));
  } finally {
    await service.stop();
  }
}

describe.skipIf(machine === null)('journal source across boots (this machine has a machine id)', () => {
  const journal = join(t.dir, 'journal.json');
  process.env['F2B_FAKE_JOURNAL'] = journal;
  afterAll(() => {
    delete process.env['F2B_FAKE_BOOT_ID'];
  });

  it('reads a container boot that a sandboxed /proc hides, resumes after a reboot, and no other machine', async () => {
    // Under nspawn the unit's sandbox shows journalctl the host's boot id: journald stamped the container's.
    process.env['F2B_FAKE_BOOT_ID'] = 'host';
    writeFileSync(journal, entry('203.0.113.1', { _BOOT_ID: 'container' }));
    await withService('first', 'start', async (ips) => {
      await waitFor(() => ips().includes('203.0.113.1'), 10_000, 'the entry of the container boot');
      appendFileSync(journal, entry('203.0.113.2', { _BOOT_ID: 'container' }));
      // Another machine's entry (journal-remote): --merge reads its files, the machine id match keeps it out.
      appendFileSync(journal, entry('203.0.113.66', { _BOOT_ID: 'container', _MACHINE_ID: 'f'.repeat(32) }));
      appendFileSync(journal, entry('203.0.113.3', { _BOOT_ID: 'container' }));
      await waitFor(() => ips().includes('203.0.113.3'), 10_000, 'entries logged while running');
      expect(ips()).toEqual(['203.0.113.1', '203.0.113.2', '203.0.113.3']);
    });
    // Stopped; the old boot logs one more line before the reboot, then the new boot its own.
    appendFileSync(journal, entry('203.0.113.4', { _BOOT_ID: 'container' }));
    appendFileSync(journal, entry('203.0.113.5', { _BOOT_ID: 'rebooted' }));
    process.env['F2B_FAKE_BOOT_ID'] = 'rebooted';
    await withService('after-reboot', 'start', async (ips) => {
      await waitFor(() => ips().includes('203.0.113.5'), 10_000, 'the new boot');
      await sleep(300);
      // After the saved cursor, both boots: without --merge the old boot's last line was skipped.
      expect(ips()).toEqual(['203.0.113.4', '203.0.113.5']);
    });
  }, 60_000);
});
