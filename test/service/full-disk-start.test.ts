import { readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fullDiskSuite } from './bundled-suite.js';
import {
  campaignLines,
  fillDisk,
  freeDisk,
  onePassKeys,
  pacedLog,
  type ServiceProcess,
  savedState,
  serviceFiles,
  serviceLog,
  sleep,
  verdictLineKeys,
  waitFor,
} from './helpers.js';

/**
 * The bundled program started while its state directory's file system is full (a server whose /var filled up, then
 * rebooted or restarted by an upgrade): on a real 256 kB tmpfs, with the verdict log on another file system (a
 * separate /var/log, as hardened layouts have). It must start, ban, say it cannot save, save once there is room, and
 * still refuse a second instance.
 */
const t = fullDiskSuite('full-disk-start');
const { dir, disk, log } = t;
const state = join(disk, 'state');
const verdicts = join(dir, 'verdicts.log');

const start = (out: string, files: Files = separateLog): ServiceProcess => t.start(args(files), join(dir, out));

interface Files {
  readonly log: string;
  readonly verdicts: string;
  readonly state: string;
}
const separateLog: Files = { log, verdicts, state };

const args = (files: Files) => serviceFiles(dir, files.log, files.verdicts, join(dir, 'net'), files.state);

const events = (run: ServiceProcess) => serviceLog(run.out).map((l) => l['event']);

/** Until `run` logs service-started; one that exits first fails with what it said. */
async function startedOrExited(run: ServiceProcess): Promise<void> {
  await waitFor(() => events(run).includes('service-started') || run.child.exitCode !== null, 15_000, 'the start');
  if (!events(run).includes('service-started')) {
    throw new Error(`exited ${run.child.exitCode} without starting:\n${readFileSync(run.out, 'utf8')}`);
  }
}

describe('service started on a full state disk', () => {
  it('starts, bans, says it cannot save, saves once there is room, refuses a second instance; a restart resumes', async () => {
    const lines = campaignLines(20261125);
    const n = lines.length;
    const paced = pacedLog(log, lines);
    const write = paced.write;

    // A first run with room: it leaves a state to resume from, and stops cleanly.
    let run = start('run-1.out');
    await startedOrExited(run);
    await write(Math.floor(n * 0.3));
    await waitFor(() => verdictLineKeys(verdicts).length >= onePassKeys(lines.slice(0, paced.written)).length, 20_000);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    // The disk fills while it is stopped; it starts again.
    fillDisk(disk);
    run = start('run-2.out');
    await startedOrExited(run);
    expect(serviceLog(run.out).find((l) => l['event'] === 'service-started')?.['resumed']).toBe(true);
    const failed = serviceLog(run.out).find((l) => l['event'] === 'state-save-failed');
    expect(failed?.['level']).toBe(50); // ERROR: what it reads now is not saved
    // Not even attempted: writing until ENOSPC would take the last blocks from the other writers for an instant.
    expect(failed?.['reason']).toBe('no-room');
    expect(failed?.['free']).toBeLessThan(Number(failed?.['keepFree']));
    expect(readlinkSync(join(state, 'run.lock'))).toMatch(new RegExp(`^${run.child.pid} `));

    // A second instance on the full disk is refused, naming the first.
    const second = start('run-second.out');
    expect(await second.exited).toBe(1);
    expect(readFileSync(second.out, 'utf8')).toContain(`already running on ${state} (pid ${run.child.pid}`);

    // It bans while the disk is full.
    await write(Math.floor(n * 0.7));
    const whileFull = onePassKeys(lines.slice(0, paced.written));
    expect(whileFull.filter((k) => k.startsWith('BAN')).length).toBeGreaterThan(5);
    await waitFor(() => verdictLineKeys(verdicts).length >= whileFull.length, 20_000, 'the bans').catch(() => {});
    expect([...verdictLineKeys(verdicts)].sort()).toEqual([...whileFull].sort());

    // Room again: the next periodic save goes through, with every line read while full.
    freeDisk(disk);
    await waitFor(() => events(run).includes('state-save-recovered'), 10_000, 'a save once there is room');
    await waitFor(
      () => savedState(state).files[0]?.current?.offset === statSync(log).size,
      10_000,
      'the position saved',
    );
    run.child.kill('SIGKILL'); // its lock is left behind: the next start takes it over
    // Gone (and reaped) before the next start looks at the lock: a pid still there would be taken for a running one.
    await run.ended;

    run = start('run-3.out');
    await startedOrExited(run);
    expect(events(run)).toContain('stale-lock-taken-over');
    await write(n);
    paced.close();
    const expected = onePassKeys(lines);
    await waitFor(() => verdictLineKeys(verdicts).length >= expected.length, 20_000).catch(() => {});
    await sleep(1000);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // Every verdict once: nothing read twice after the saves that failed, nothing skipped.
    expect([...verdictLineKeys(verdicts)].sort()).toEqual([...expected].sort());
    expect(events(run)).not.toContain('verdict-already-written');
  }, 120_000);

  // The Debian package's layout: /var/lib/f2b-campaign and /var/log/f2b-campaign on the same full file system.
  it('with its verdict log on the same full disk, starts, says it cannot write, and writes every verdict once there is room', async () => {
    const files: Files = {
      log: join(dir, 'auth-2.log'),
      verdicts: join(disk, 'verdicts.log'),
      state: join(disk, 'state-2'),
    };
    const lines = campaignLines(20261126);
    fillDisk(disk);
    const run = start('run-debian.out', files);
    await startedOrExited(run);
    writeFileSync(files.log, `${lines.join('\n')}\n`);
    await waitFor(() => events(run).includes('verdict-write-failed'), 10_000, 'a failed verdict write');
    expect(events(run)).toContain('state-save-failed');
    expect(verdictLineKeys(files.verdicts)).toEqual([]);

    freeDisk(disk);
    const expected = onePassKeys(lines);
    expect(expected.filter((k) => k.startsWith('BAN')).length).toBeGreaterThan(10);
    await waitFor(() => verdictLineKeys(files.verdicts).length >= expected.length, 20_000).catch(() => {});
    await waitFor(() => events(run).includes('state-save-recovered'), 10_000, 'a save once there is room');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(events(run)).toContain('verdict-write-recovered');
    expect([...verdictLineKeys(files.verdicts)].sort()).toEqual([...expected].sort());
  }, 60_000);
});
