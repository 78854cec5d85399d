import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledSuite } from './bundled-suite.js';
import {
  campaignLines,
  onePassKeys,
  type ServiceProcess,
  serviceFiles,
  serviceLog,
  sleep,
  verdictLineKeys,
  waitFor,
} from './helpers.js';

/**
 * The live service, as the bundled program in a child process, follows a log to which a real campaign (the `waves`
 * shape: 47 sources, 3 attempts each, under maxretry) is appended in real time, compressed to seconds. In the
 * middle: a rename-and-create rotation with late lines to the old file, a clean SIGTERM restart, and a kill -9 with
 * lines written while the service is down. The verdicts must come out exactly as a single uninterrupted pass of the
 * same core over the same lines produces them: each once, none missing.
 */
const t = bundledSuite('live', {
  config: [
    'sample_interval = 1s',
    // Only the saves at start and at a clean stop: a kill -9 then always leaves verdicts written after the last
    // saved state, so the restart must recognise them.
    'state_interval = 1h',
  ],
});
const dir = t.dir;
const log = join(dir, 'log', 'auth.log');
const verdicts = join(dir, 'verdicts.log');

const writtenKeys = (): string[] => verdictLineKeys(verdicts);
/** A wait that includes starting node: a CI run beside other suites once took over 10 s for that. */
const STARTS_MS = 30_000;

let runs = 0;
const startService = (): ServiceProcess =>
  t.start(serviceFiles(dir, log, verdicts), join(dir, `service-${++runs}.out`));

beforeAll(() => mkdirSync(join(dir, 'log')));

describe('live service: real-time campaign, rotation, clean restart, kill -9', () => {
  it('writes each verdict exactly once, the same as one uninterrupted pass', async () => {
    const lines = campaignLines(20261122);
    const n = lines.length;
    let fd = openSync(log, 'a');
    let next = 0;
    const write = async (until: number, pause = 40) => {
      while (next < until) {
        const batch = lines.slice(next, Math.min(until, next + 15));
        writeSync(fd, `${batch.join('\n')}\n`);
        next += batch.length;
        await sleep(pause);
      }
    };

    let run = startService();
    await waitFor(() => serviceLog(run.out).some((l) => l['event'] === 'service-started'), STARTS_MS, 'start');
    expect(serviceLog(run.out).find((l) => l['event'] === 'fail2ban-thresholds')?.['origin']).toBe('defaults');
    // Which version wrote the verdicts, for the audit trail: package.json's, as --version prints it.
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    expect(serviceLog(run.out).find((l) => l['event'] === 'service-started')?.['version']).toBe(version);
    // Named as the service, not `node` (ps, top, pgrep), however node was started.
    expect(readFileSync(`/proc/${run.child.pid}/comm`, 'utf8')).toBe('f2b-campaign\n');
    await write(Math.floor(n * 0.25));
    // rsyslog-style rotation: rename, a few late lines into the old file, then the new file.
    renameSync(log, `${log}.1`);
    await write(next + 5);
    closeSync(fd);
    fd = openSync(log, 'a');
    await write(Math.floor(n * 0.5));

    // Clean restart at a quiet point: everything written is read first.
    await sleep(1500);
    const restartAt = next;
    const stopAsked = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const stopMs = Date.now() - stopAsked;
    expect(stopMs).toBeLessThan(5000);
    const stopped = serviceLog(run.out).some((l) => l['event'] === 'service-stopped');
    expect(stopped).toBe(true);

    run = startService();
    await waitFor(() => serviceLog(run.out).some((l) => l['event'] === 'service-started'), STARTS_MS, 'second start');
    const before = writtenKeys().length;
    // Write until this run has written at least one verdict of its own, then kill it mid-stream.
    while (next < Math.floor(n * 0.85) && writtenKeys().length === before) await write(next + 15);
    await sleep(200);
    const writtenBeforeKill = writtenKeys().length - before;
    run.child.kill('SIGKILL');
    await run.exited;
    await write(Math.floor(n * 0.9), 0); // lines that arrive while the service is down

    run = startService();
    await write(n);
    closeSync(fd);
    const expected = onePassKeys(lines, restartAt);
    expect(expected.filter((k) => k.startsWith('BAN')).length).toBeGreaterThan(10);
    // Through the third run's own start.
    await waitFor(() => writtenKeys().length >= expected.length, STARTS_MS, `${expected.length} verdicts`);
    await sleep(1500);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    const got = writtenKeys();
    expect([...got].sort()).toEqual([...expected].sort());
    const suppressed = serviceLog(run.out).filter((l) => l['event'] === 'verdict-already-written').length;
    expect(writtenBeforeKill).toBeGreaterThan(0);
    expect(suppressed).toBe(writtenBeforeKill);
    process.stdout.write(
      `live: ${n} lines, ${got.length} verdicts (${got.filter((k) => k.startsWith('BAN')).length} BAN), ` +
        `clean stop in ${stopMs} ms, ${writtenBeforeKill} verdicts written before kill -9 and recognised after it\n`,
    );
    appendFileSync(join(dir, 'done'), 'ok');
  }, 120_000);
});
