import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineKey } from '../../src/service/verdict-dedupe.js';
import { parseVerdictLine } from '../../src/verdict/verdict-line.js';
import { fullDiskSuite } from './bundled-suite.js';
import {
  campaignLines,
  fillDisk,
  freeDisk,
  onePassKeys,
  pacedLog,
  type ServiceProcess,
  serviceFiles,
  serviceLog,
  sleep,
  verdictLineKeys,
  waitFor,
} from './helpers.js';

/**
 * The service's own log must tell what reached the verdict log and when: the bundled program with its verdict log on
 * a real 256 kB tmpfs that is full before the campaign comes. Every verdict is held; the log said `verdict-written`
 * for each all the same (found in review), so an operator explaining a missed ban read that it had been written.
 */
const t = fullDiskSuite('full-disk-log');
const { dir, disk, log, verdicts } = t;
let run: ServiceProcess | null = null;

const said = (event: string) => serviceLog(run!.out).filter((l) => l['event'] === event);
const fileLines = () =>
  readFileSync(verdicts, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe('the service log on a full verdict log disk', () => {
  it('says verdict-queued while a line is held and verdict-written, with the line as written, once it is', async () => {
    // Full before the service starts: the verdict log is created empty, with no partly used block to take a line.
    fillDisk(disk);
    run = t.start(serviceFiles(dir, log, verdicts), join(dir, 'run.out'));
    await waitFor(() => said('service-started').length > 0, 15_000, 'the start');
    const lines = campaignLines(20261125);
    const paced = pacedLog(log, lines);
    await paced.write(lines.length);
    paced.close();
    const expected = onePassKeys(lines);
    expect(expected.filter((k) => k.startsWith('BAN')).length).toBeGreaterThan(10);
    const decidedSoFar = () => said('verdict-queued').length + said('verdict-written').length;
    await waitFor(() => decidedSoFar() >= expected.length, 20_000, 'every verdict decided');

    // Nothing is in the file: nothing may have been said written.
    expect(readFileSync(verdicts, 'utf8')).toBe('');
    expect(said('verdict-written')).toEqual([]);
    expect(said('verdict-write-failed')).toHaveLength(1);
    const queued = said('verdict-queued').map((l) => String(l['line']));
    expect(queued.map((l) => lineKey(l))).toEqual(expected);

    freeDisk(disk);
    await waitFor(() => said('verdict-write-recovered').length > 0, 10_000, 'the recovery');
    await waitFor(() => said('verdict-written').length >= expected.length, 10_000, 'every verdict written');
    await sleep(1500);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    // Each line written is said once, as it stands in the file, in the file's order; each carries the time it was
    // queued at as `decided=`, so the two events of one verdict are told together.
    const written = said('verdict-written').map((l) => String(l['line']));
    expect(written).toEqual(fileLines());
    expect(verdictLineKeys(verdicts)).toEqual(expected);
    const decided = written.map((l) => parseVerdictLine(l)?.fields.get('decided'));
    expect(decided).toEqual(queued.map((l) => l.slice(0, '2026-11-24T06:00:00.000Z'.length)));
  }, 120_000);
});
