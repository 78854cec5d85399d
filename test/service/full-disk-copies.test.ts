import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fullDiskSuite } from './bundled-suite.js';
import { campaignLines, fillDisk, freeDisk, pacedLog, serviceFiles, serviceLog, waitFor } from './helpers.js';

/**
 * The `repeat=rotation` copies the service writes after a rotation, when the disk cannot take them: the bundled
 * program with its verdict log on a real 256 kB tmpfs, filled just before the real logrotate renames the log, while
 * the service runs and while it is stopped. Each copy held is WARN `verdict-queued`, as a verdict held is; until
 * 2026-11-24 a copy was said only once written, so the log did not show that it had waited, nor which lines.
 */
const t = fullDiskSuite('full-disk-copies');
const { dir, disk, log, verdicts } = t;
const outs: string[] = [];

const start = () => {
  const out = join(dir, `run-${outs.length + 1}.out`);
  outs.push(out);
  return t.start(serviceFiles(dir, log, verdicts), out);
};
const said = (event: string) => outs.flatMap((out) => serviceLog(out)).filter((l) => l['event'] === event);
const copies = (event: string) => said(event).filter((l) => l['repeat'] === 'rotation');
const bans = () =>
  readFileSync(verdicts, 'utf8')
    .split('\n')
    .filter((l) => l.includes(' BAN ') && !l.includes('repeat='));
const rotate = () => {
  const rules = join(dir, 'logrotate.conf');
  writeFileSync(rules, `${verdicts} {\n  rotate 5\n  create\n  missingok\n}\n`);
  execFileSync('logrotate', ['-f', '-s', join(dir, 'logrotate.state'), rules], { stdio: 'pipe' });
};
const repeatedBy = (reason: string) =>
  said('verdict-log-reopened')
    .filter((l) => l['reason'] === reason)
    .reduce((sum, l) => sum + Number(l['repeated'] ?? 0), 0);

describe('repeat=rotation copies on a full verdict log disk', () => {
  it('says verdict-queued for each copy held, with its line, and verdict-written once it is in the file', async () => {
    let run = start();
    await waitFor(() => said('service-started').length > 0, 15_000, 'the start');
    const lines = campaignLines(20261126);
    const paced = pacedLog(log, lines);
    await paced.write(Math.floor(lines.length / 2));
    await waitFor(() => bans().length >= 2, 20_000, 'BAN lines of the first run');

    // Within a run: full, then rotated at once, so the last BAN lines are less than 10 s old.
    fillDisk(disk);
    rotate();
    await waitFor(() => repeatedBy('rotated') > 0, 10_000, 'the copies within the run');
    await waitFor(() => copies('verdict-queued').length >= repeatedBy('rotated'), 5_000, 'the copies said held');
    expect(copies('verdict-written')).toEqual([]);
    freeDisk(disk);
    await waitFor(() => copies('verdict-written').length >= repeatedBy('rotated'), 10_000, 'the copies written');

    // While stopped: the start finds the rotation on a full disk and holds its copies.
    await paced.write(lines.length);
    paced.close();
    await waitFor(() => bans().length >= 2, 20_000, 'BAN lines after the rotation');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    fillDisk(disk);
    rotate();
    run = start();
    await waitFor(() => repeatedBy('rotated-while-stopped') > 0, 15_000, 'the copies at the start');
    const both = repeatedBy('rotated') + repeatedBy('rotated-while-stopped');
    await waitFor(() => copies('verdict-queued').length >= both, 5_000, 'the copies of the start said held');
    freeDisk(disk);
    await waitFor(() => copies('verdict-written').length >= both, 10_000, 'the copies of the start written');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    // One verdict-queued per copy held, with the line as the file then got it (a copy keeps its time), said before
    // its verdict-written; none of an ordinary verdict was said twice.
    const queued = copies('verdict-queued').map((l) => String(l['line']));
    const written = copies('verdict-written').map((l) => String(l['line']));
    expect(queued).toHaveLength(both);
    expect(written).toEqual(queued);
    expect(queued.every((l) => l.endsWith(' repeat=rotation'))).toBe(true);
    expect(said('verdict-queued').every((l) => Number(l['owed']) > 0)).toBe(true);
  }, 120_000);
});
