import { readFileSync } from 'node:fs';
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
 * Verdict lines a run could not write (its verdict log's disk full) are saved with its state and owed by the next
 * run. Started while that disk is still full, the next run wrote none of them and its log said nothing of them but
 * the ERROR of a failed write (found in review): an operator reading it did not learn that bans were pending. The
 * bundled program, its verdict log on a real 256 kB tmpfs, its state on another file system.
 */
const t = fullDiskSuite('full-disk-owed');
const { dir, disk, log, verdicts } = t;

const said = (run: ServiceProcess, event: string) => serviceLog(run.out).filter((l) => l['event'] === event);

describe('a start on a full verdict log disk with lines the last run owed', () => {
  it('says verdict-queued once, with their count, and writes them once there is room', async () => {
    fillDisk(disk);
    let run = t.start(serviceFiles(dir, log, verdicts), join(dir, 'run-1.out'));
    await waitFor(() => said(run, 'service-started').length > 0, 15_000, 'the first start');
    const lines = campaignLines(20261124);
    const paced = pacedLog(log, lines);
    await paced.write(lines.length);
    paced.close();
    const expected = onePassKeys(lines);
    expect(expected.filter((k) => k.startsWith('BAN')).length).toBeGreaterThan(10);
    await waitFor(() => said(run, 'verdict-queued').length >= expected.length, 20_000, 'every verdict held');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(savedState(join(dir, 'state')).owed).toHaveLength(expected.length);

    // Started again, the disk still full: the lines owed are said held, once, with their count.
    run = t.start(serviceFiles(dir, log, verdicts), join(dir, 'run-2.out'));
    await waitFor(() => said(run, 'service-started').length > 0, 15_000, 'the second start');
    await sleep(2500); // the queue is retried every second: each retry must not say it again
    expect(said(run, 'verdict-queued')).toEqual([
      expect.objectContaining({ level: 40, owed: expected.length, fromLastRun: expected.length }),
    ]);
    expect(said(run, 'verdict-write-failed')).toHaveLength(1);
    expect(verdictLineKeys(verdicts)).toEqual([]);

    freeDisk(disk);
    await waitFor(() => said(run, 'verdict-written').length >= expected.length, 10_000, 'the owed lines written');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(said(run, 'verdict-write-recovered')).toHaveLength(1);
    expect(verdictLineKeys(verdicts)).toEqual(expected);
    expect(said(run, 'verdict-written').map((l) => String(l['line']))).toEqual(
      readFileSync(verdicts, 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
    expect(said(run, 'verdict-queued')).toHaveLength(1);
  }, 120_000);
});
