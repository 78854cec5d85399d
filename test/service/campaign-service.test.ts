import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import { CampaignService } from '../../src/service/campaign-service.js';
import { resolveSettings } from '../../src/service/service-settings.js';
import { readStatus } from '../../src/service/status-file.js';
import { memoryLogger, recordingCore, tempDir, waitFor } from './helpers.js';

/**
 * The service in-process, with the real core wrapped to record the events it is given. Undone newest first and
 * awaited: each service is stopped (it saves its state and status as it stops) before its directory goes.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(extra = '') {
  const t = tempDir('svc');
  cleanups.push(t.cleanup);
  const dir = t.dir;
  mkdirSync(join(dir, 'net'));
  writeFileSync(join(dir, 'net', 'tcp'), '  sl  local_address rem_address   st\n');
  const config = parseConfigText(
    [
      '[service]',
      'source = file',
      `auth_log = ${join(dir, 'log', 'sshd.log')}`,
      `verdict_log = ${join(dir, 'verdicts.log')}`,
      `state_dir = ${join(dir, 'state')}`,
      `runtime_dir = ${join(dir, 'run')}`,
      `sockets_from = ${join(dir, 'net')}`,
      'start_at = start',
      extra,
    ].join('\n'),
    'test',
  );
  const events: AuthEvent[] = [];
  const recording = recordingCore(events);
  const logger = memoryLogger();
  const options = {
    config,
    settings: resolveSettings(config),
    createCore: recording,
    readThresholds: async () => DEBIAN_DEFAULT_THRESHOLDS,
    log: logger.log,
  };
  const service = new CampaignService(options);
  cleanups.push(() => service.stop());
  return { dir, service, options, events, ...logger };
}

/**
 * A run started and stopped on setup()'s files, its saved state then made to owe `owed` (lines the disk could not
 * take when they were decided), and the next run on the same files, started when asked.
 */
async function stoppedOwing(owed: readonly string[]) {
  const first = setup();
  await first.service.start();
  await first.service.stop();
  const stateFile = join(first.dir, 'state', 'state.json');
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { owed: string[] };
  writeFileSync(stateFile, JSON.stringify({ ...state, owed }));
  const startAgain = async () => {
    const again = new CampaignService({ ...first.options, log: memoryLogger().log });
    cleanups.push(() => again.stop());
    await again.start();
    return again;
  };
  return { first, verdicts: join(first.dir, 'verdicts.log'), startAgain };
}

describe('CampaignService (in-process)', () => {
  it('waits for a log that does not exist yet, and stamps `sshd -E` lines (no header) with the wall clock', async () => {
    const { dir, service, events } = setup();
    await service.start();
    expect(service.status()?.sources[0]).toMatchObject({ state: 'waiting' });
    mkdirSync(join(dir, 'log'));
    const before = Date.now();
    writeFileSync(join(dir, 'log', 'sshd.log'), 'Failed password for root from 203.0.113.9 port 4242 ssh2\n');
    await waitFor(() => events.length === 1, 5000, 'the line of the new file');
    const after = Date.now();
    expect(events[0]).toMatchObject({ ip: '203.0.113.9', kind: 'failure' });
    expect(events[0]!.time).toBeGreaterThanOrEqual(before);
    expect(events[0]!.time).toBeLessThanOrEqual(after);
    expect(service.status()?.sources[0]).toMatchObject({ state: 'following', delivered: 1 });
    await service.stop();
  });

  it('restarts a failing source with backoff and resumes reading once the cause is gone', async () => {
    const { dir, service, events, lines } = setup();
    const path = join(dir, 'log', 'sshd.log');
    mkdirSync(path, { recursive: true }); // a directory where the log should be: reading it fails (EISDIR)
    await service.start();
    await waitFor(() => lines().some((l) => l['event'] === 'source-failed'), 5000, 'the failure');
    const failed = lines().find((l) => l['event'] === 'source-failed')!;
    expect(failed).toMatchObject({ level: 40, retryInMs: 1000 });
    expect(String(failed['err'])).toMatch(/EISDIR/);
    rmSync(path, { recursive: true });
    writeFileSync(path, 'Failed password for root from 203.0.113.10 port 1 ssh2\n');
    await waitFor(() => events.length === 1, 8000, 'reading after the restart');
    expect(lines().some((l) => l['event'] === 'source-restarted')).toBe(true);
    await service.stop();
  });

  it('writes a line the state owed once: not again when the last run wrote it before it died', async () => {
    const written = '2026-11-22T03:00:00.000Z f2b-campaign[1]: BAN ip=203.0.113.9 campaign=c1 reason=r';
    const stillOwed = '2026-11-22T03:00:01.000Z f2b-campaign[1]: BAN ip=203.0.113.10 campaign=c1 reason=r';
    // The saved state owes both lines (the disk was full); the disk then freed and the first was written, and the
    // service died before its next save.
    const { verdicts, startAgain } = await stoppedOwing([written, stillOwed]);
    appendFileSync(verdicts, `${written}\n`);
    const again = await startAgain();
    await again.stop();
    const lines = readFileSync(verdicts, 'utf8').split('\n');
    expect(lines.filter((l) => l === written)).toHaveLength(1);
    // Written now, stamped with the time it was written and its own kept as decided= (docs/verdict-line.md).
    const late = lines.filter((l) => l.includes(' ip=203.0.113.10 '));
    expect(late).toHaveLength(1);
    expect(late[0]).toMatch(/ BAN ip=203\.0\.113\.10 campaign=c1 reason=r decided=2026-11-22T03:00:01\.000Z$/);
  });

  it('writes none of the lines the state owed when the last run wrote them all before it died', async () => {
    const owed = [9, 10].map(
      (n) => `2026-11-22T03:00:0${n % 10}.000Z f2b-campaign[1]: BAN ip=203.0.113.${n} campaign=c1 reason=r`,
    );
    const { verdicts, startAgain } = await stoppedOwing(owed);
    appendFileSync(verdicts, `${owed.join('\n')}\n`);
    const again = await startAgain();
    await again.stop();
    expect(readFileSync(verdicts, 'utf8')).toBe(`${owed.join('\n')}\n`);
  });

  // Found in session 19: the copies written after a rotation were kept in memory only (docs/service.md, Rotation).
  it('writes the last BAN lines of the last run again into a verdict log rotated while it was stopped, once', async () => {
    const first = setup();
    await first.service.start();
    await first.service.stop();
    const verdicts = join(first.dir, 'verdicts.log');
    // The run wrote a BAN and died before its next save; logrotate ran before it was started again.
    const line = `${new Date().toISOString()} f2b-campaign[1]: BAN ip=203.0.113.11 campaign=c1 reason=r`;
    appendFileSync(verdicts, `${line}\n`);
    renameSync(verdicts, `${verdicts}.1`);
    writeFileSync(verdicts, '');
    for (let run = 0; run < 2; run++) {
      const logger = memoryLogger();
      const again = new CampaignService({ ...first.options, log: logger.log });
      cleanups.push(() => again.stop());
      await again.start();
      await again.stop();
      expect(readFileSync(verdicts, 'utf8')).toBe(`${line} repeat=rotation\n`);
      const said = logger.lines().filter((l) => l['reason'] === 'rotated-while-stopped');
      // The second start finds the path naming the file the first one wrote: nothing to say, nothing repeated.
      expect(said).toMatchObject(run === 0 ? [{ event: 'verdict-log-reopened', repeated: 1 }] : []);
    }
  });

  // A stop that did not save left the state of the start: the next start read every line of the run again (found by
  // the mutation audit of session 34; the verdicts' dedupe hid it from every other test).
  it('saves at a clean stop where it has read to: the next start reads only the lines written since', async () => {
    const first = setup('state_interval = 1h');
    const log = join(first.dir, 'log', 'sshd.log');
    mkdirSync(join(first.dir, 'log'));
    writeFileSync(log, '');
    await first.service.start();
    appendFileSync(
      log,
      ['1', '2', '3'].map((n) => `Failed password for root from 203.0.113.${n} port 1 ssh2\n`).join(''),
    );
    await waitFor(() => first.events.length === 3, 5000, 'the lines of the first run');
    await first.service.stop();
    appendFileSync(log, 'Failed password for root from 203.0.113.4 port 1 ssh2\n');
    const events: AuthEvent[] = [];
    const again = new CampaignService({ ...first.options, createCore: recordingCore(events), log: memoryLogger().log });
    cleanups.push(() => again.stop());
    await again.start();
    // The file is read in order: a line read again would come before the new one.
    await waitFor(() => events.length > 0, 5000, 'the line written while stopped');
    again.settle();
    expect(events.map((e) => e.ip)).toEqual(['203.0.113.4']);
  });

  it('shows in its status the verdict lines it owes, which the verdict log cannot take', async () => {
    const owed = [1, 2].map(
      (n) => `2026-11-22T03:00:0${n}.000Z f2b-campaign[1]: BAN ip=203.0.113.${n} campaign=c1 reason=r`,
    );
    const { first, verdicts, startAgain } = await stoppedOwing(owed);
    // A directory where the log should be: no write can work (as root too, where a mode would not stop one).
    rmSync(verdicts);
    mkdirSync(verdicts);
    const again = await startAgain();
    expect(again.status()?.verdicts).toMatchObject({ written: 0, owed: 2 });
    // What `status` reads: written at start, not only every few seconds.
    expect(readStatus(join(first.dir, 'run')).verdicts).toMatchObject({ written: 0, owed: 2 });
  });
});
